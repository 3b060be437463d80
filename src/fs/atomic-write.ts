import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';

/**
 * Replaces a file's content all at once: the new bytes go to a temporary file
 * beside it, reach the disk, and are renamed over the target. A reader, or a
 * crash, sees the old file or the new one, never a part. The file keeps its mode.
 */
export function writeFileAtomic(file: string, content: string, label = file): void {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let existingMode: number | undefined;
  try {
    existingMode = statSync(file).mode & 0o7777;
  } catch {
    // a new file gets the default mode, under the umask
  }
  try {
    const fd = openSync(temporary, 'wx', existingMode ?? 0o644);
    try {
      // open() applies the umask; an existing file keeps exactly the mode it had.
      if (existingMode !== undefined) fchmodSync(fd, existingMode);
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
