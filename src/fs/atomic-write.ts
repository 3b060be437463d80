import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { open, rename, stat, unlink } from 'node:fs/promises';
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
  const temporary = temporaryBeside(file);
  const existingMode = modeOf(file);
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

/**
 * writeFileAtomic, durable, without holding the event loop while the disk
 * works: for a run whose requests are in flight meanwhile (snapshot --all,
 * where 200 state files synced one by one kept the registry waiting 3 s).
 */
export async function writeFileAtomicAsync(file: string, content: string | Uint8Array, label = file): Promise<void> {
  const temporary = temporaryBeside(file);
  const existingMode = await stat(file).then(
    (found) => found.mode & 0o7777,
    () => undefined,
  );
  try {
    const handle = await open(temporary, 'wx', existingMode ?? 0o644);
    try {
      if (existingMode !== undefined) await handle.chmod(existingMode);
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    // nothing was created, if this fails
    await unlink(temporary).catch(() => undefined);
    throw writeFailure(error, label);
  }
}

function temporaryBeside(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** The mode an existing file keeps; undefined for a new file, which gets the default mode under the umask. */
function modeOf(file: string): number | undefined {
  try {
    return statSync(file).mode & 0o7777;
  } catch {
    return undefined;
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
