import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';
import { parseValidated } from '../validation/validate-document.js';
import type { ImageState } from './image-state.js';

/** Reads a state file and validates it (schema, and every tag's digest has an image entry). */
export function loadState(file: string, cwd: string): ImageState {
  const label = path.relative(cwd, file) || file;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new InputError(`${label}: cannot read the state file (${code}); run \`readme-gen snapshot\` or fix the path`, { cause: error });
  }
  return parseState(text, label);
}

/** A state file's text, validated (schema, and every tag's digest has an image entry); `label` names it in errors. */
export function parseState(text: string, label: string): ImageState {
  return parseValidated<ImageState>(text, label, 'image-state', 'json');
}
