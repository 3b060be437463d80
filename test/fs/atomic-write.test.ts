import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { InputError, StorageError } from '../../src/errors.js';
import { writeFailure, writeFileAtomic, writeFileAtomicAsync } from '../../src/fs/atomic-write.js';
import { temporaryDirectory } from '../helpers/run-cli.js';

const modeOf = (file: string): number => statSync(file).mode & 0o7777;

/** Both writers, the one that blocks and the one that does not, made to look alike: they must behave alike. */
const WRITERS: [string, (file: string, content: string, label?: string) => Promise<void>][] = [
  ['writeFileAtomic', (file, content, label) => Promise.resolve().then(() => writeFileAtomic(file, content, label))],
  ['writeFileAtomicAsync', writeFileAtomicAsync],
];

for (const [name, write] of WRITERS) {
  describe(name, () => {
    test('creates a new file with the content and leaves no temporary file', async (t) => {
      const dir = temporaryDirectory(t);
      const file = path.join(dir, 'README.md');

      await write(file, '# Title\n');

      assert.equal(readFileSync(file, 'utf8'), '# Title\n');
      assert.deepEqual(readdirSync(dir), ['README.md']);
    });

    // 0600 is narrower than the default; 0664 is wider than the umask lets open() create: without the fchmod it would come back 0644.
    for (const mode of [0o600, 0o664]) {
      test(`replaces an existing file and keeps its mode ${mode.toString(8)}`, async (t) => {
        const dir = temporaryDirectory(t);
        const file = path.join(dir, 'README.md');
        writeFileSync(file, 'old content that is longer than the new one\n');
        chmodSync(file, mode);

        await write(file, 'new\n');

        assert.equal(readFileSync(file, 'utf8'), 'new\n');
        assert.equal(modeOf(file).toString(8), mode.toString(8));
        assert.deepEqual(readdirSync(dir), ['README.md']);
      });
    }

    test('a missing target directory is an InputError naming the file, and nothing is created', async (t) => {
      const dir = temporaryDirectory(t);
      const file = path.join(dir, 'missing-dir', 'README.md');

      await assert.rejects(
        write(file, 'content\n', 'missing-dir/README.md'),
        (error: unknown) => error instanceof InputError && /^missing-dir\/README\.md: cannot write \(ENOENT\)/.test(error.message),
      );
      assert.deepEqual(readdirSync(dir), []);
    });

    test('when the rename fails (the target is a directory), the temporary file is removed', async (t) => {
      const dir = temporaryDirectory(t);
      const target = path.join(dir, 'README.md');
      mkdirSync(target);
      writeFileSync(path.join(target, 'inside.txt'), 'kept\n');

      await assert.rejects(write(target, 'content\n', 'README.md'), InputError);

      assert.deepEqual(readdirSync(dir), ['README.md']);
      assert.deepEqual(readdirSync(target), ['inside.txt']);
      assert.equal(readFileSync(path.join(target, 'inside.txt'), 'utf8'), 'kept\n');
    });
  });
}

describe('writeFailure', () => {
  // A full disk cannot be made here without root (a small file system needs mount), so the mapping
  // from the error code is tested on the error itself; the write path above uses the same function.
  test("a full disk or quota is the machine's failure (exit 74), not bad input", () => {
    for (const code of ['ENOSPC', 'EDQUOT', 'EIO']) {
      const failure = writeFailure(Object.assign(new Error(code), { code }), 'README.md');
      assert.ok(failure instanceof StorageError, code);
      assert.equal(failure.exitCode, 74);
      assert.match(failure.message, new RegExp(`^README\\.md: cannot write \\(${code}\\); free space`));
    }
    const denied = writeFailure(Object.assign(new Error('EACCES'), { code: 'EACCES' }), 'README.md');
    assert.ok(denied instanceof InputError);
    assert.equal(denied.exitCode, 2);
  });
});
