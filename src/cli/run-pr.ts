import { InputError } from '../errors.js';
import type { CliArguments } from './args.js';

/** `readme-gen pr` is being built (issue 5); until then it says so instead of pretending. */
export async function runPr(_args: CliArguments, _cwd: string): Promise<number> {
  throw new InputError('readme-gen pr is not available in this build yet');
}
