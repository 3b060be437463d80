import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';

/**
 * Replaces a file's content all at once: the new bytes go to a temporary file
 * beside it, reach the disk, and are renamed over the target. A reader, or a
 * crash, sees the old file or the new one, never a part. The file keeps its mode.
 */
export function writeFileAtomic(file: string, content: string, label = file): void {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let mode = 0o644;
  try {
    mode = statSync(file).mode & 0o7777;
  } catch {
    // a new file gets the default mode
  }
  try {
    const fd = openSync(temporary, 'wx', mode);
    try {
      writeFileSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, file);
  } catch (error) {
    try {
      unlinkSync(temporary);
    } catch {
      // nothing was created
    }
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new InputError(`${label}: cannot write (${code}); check that the directory exists and is writable`, { cause: error });
  }
}
