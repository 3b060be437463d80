import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';
import { noteFile } from '../fs/input-log.js';
import { type KeyProblem, parseValidated } from '../validation/validate-document.js';
import type { ImageState } from './image-state.js';

/** Reads a state file and validates it (schema, and every tag's digest has an image entry). */
export function loadState(file: string, cwd: string): ImageState {
  const label = path.relative(cwd, file) || file;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
    noteFile(file, text);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new InputError(`${label}: cannot read the state file (${code}); run \`readme-gen snapshot\` or fix the path`, { cause: error });
  }
  return parseState(text, label);
}

/** A state file's text, validated (schema, and every tag's digest has an image entry); `label` names it in errors. */
export function parseState(text: string, label: string): ImageState {
  return parseValidated<ImageState>(text, label, 'image-state', 'json', untrackedDigest);
}

/** A tag whose digest has no entry under images: the schema cannot say that one key must name another. */
function untrackedDigest(state: ImageState): KeyProblem | undefined {
  const index = state.tags.findIndex((tag) => !Object.hasOwn(state.images, tag.digest));
  if (index < 0) return undefined;
  return {
    path: ['tags', String(index), 'digest'],
    problem: `${state.tags[index]?.digest} has no entry under images; regenerate the state with \`readme-gen snapshot\``,
  };
}
