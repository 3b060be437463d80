import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import { noteAbsent, noteFile } from './input-log.js';

/**
 * A file's text, or undefined when it does not exist (a README or state not
 * written yet). Any other failure is the user's to fix: an InputError naming
 * the file (`label`), what it is (`what`, e.g. "the state file") and the code.
 */
export function readIfExists(file: string, label: string, what?: string): string | undefined {
  try {
    const text = readFileSync(file, 'utf8');
    noteFile(file, text);
    return text;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      noteAbsent(file);
      return undefined;
    }
    throw new InputError(`${label}: cannot read${what === undefined ? '' : ` ${what}`} (${code ?? String(error)})`, { cause: error });
  }
}
