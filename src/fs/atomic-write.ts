import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InputError, StorageError } from '../errors.js';

/** Failures that are the machine's (space, quota, the device), not the path's. */
const STORAGE_CODES = new Set(['ENOSPC', 'EDQUOT', 'EIO']);

/**
 * Replaces a file's content all at once: the new bytes go to a temporary file
 * beside it and are renamed over the target. A reader, or a crash, sees the
 * old file or the new one, never a part. The file keeps its mode. `durable`
 * (the default) waits for the bytes to reach the disk before the rename; a
 * cache, whose entries are checked on reading, skips that wait.
 */
export function writeFileAtomic(file: string, content: string | Uint8Array, label = file, { durable = true } = {}): void {
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
      if (durable) fsyncSync(fd);
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
    throw writeFailure(error, label);
  }
}

/** Why a write failed, as the error the CLI maps to an exit code: the machine's (74) or the path's (2). */
export function writeFailure(error: unknown, label: string): StorageError | InputError {
  const code = (error as NodeJS.ErrnoException).code ?? String(error);
  if (STORAGE_CODES.has(code)) {
    return new StorageError(`${label}: cannot write (${code}); free space on its file system or check the device, then run again`, {
      cause: error,
    });
  }
  return new InputError(`${label}: cannot write (${code}); check that the directory exists and is writable`, { cause: error });
}
