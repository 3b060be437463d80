/**
 * What the images of one --all run share through the session's ContentCache
 * while they run side by side: a GET under way for a digest, and a question
 * about a host (the referrers probe). In-process: the sharing is the cache's
 * own logic; test/registry/snapshot-all.test.ts shows it against a registry.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ContentCache } from '../../src/registry/content-cache.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

/** A promise and its resolvers, to settle a fetch when the test says. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: Error) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('ContentCache.fetchOnce', () => {
  test('a second ask for a digest under way waits for the first GET and sends none', async () => {
    const cache = new ContentCache(undefined);
    const first = deferred<Buffer | undefined>();
    let seconds = 0;
    const a = cache.fetchOnce(DIGEST, () => first.promise);
    const b = cache.fetchOnce(DIGEST, () => {
      seconds++;
      return Promise.resolve(Buffer.from('other'));
    });
    first.resolve(Buffer.from('content'));
    assert.deepEqual(await Promise.all([a, b]), [Buffer.from('content'), Buffer.from('content')]);
    assert.equal(seconds, 0);
  });

  test("when the first one's repository does not have it (undefined) or its GET fails, the one waiting fetches from its own", async () => {
    const cache = new ContentCache(undefined);
    for (const settle of [
      (first: ReturnType<typeof deferred<Buffer | undefined>>) => first.resolve(undefined),
      (first: ReturnType<typeof deferred<Buffer | undefined>>) => first.reject(new Error('reset')),
    ]) {
      const first = deferred<Buffer | undefined>();
      const a = cache.fetchOnce(DIGEST, () => first.promise);
      a.catch(() => undefined);
      const b = cache.fetchOnce(DIGEST, () => Promise.resolve(Buffer.from('own')));
      settle(first);
      assert.deepEqual(await b, Buffer.from('own'));
      // The first one's caller gets its own answer, failure included.
      assert.ok(await a.then((bytes) => bytes === undefined).catch((error: unknown) => (error as Error).message === 'reset'));
    }
  });

  test('once settled, the next ask fetches anew: nothing is held but GETs under way', async () => {
    const cache = new ContentCache(undefined);
    assert.deepEqual(await cache.fetchOnce(DIGEST, () => Promise.resolve(Buffer.from('one'))), Buffer.from('one'));
    assert.deepEqual(await cache.fetchOnce(DIGEST, () => Promise.resolve(Buffer.from('two'))), Buffer.from('two'));
  });
});

describe('ContentCache.learning', () => {
  test('the answer being learned is shared; one that told nothing is forgotten, so the next image asks', async () => {
    const cache = new ContentCache(undefined);
    const question = cache.learning('registry.example', 'referrers-api');
    assert.equal(question.pending(), undefined);

    const told = deferred<boolean | undefined>();
    question.asking(told.promise);
    const pending = cache.learning('registry.example', 'referrers-api').pending();
    assert.ok(pending);
    assert.equal(cache.learning('other.example', 'referrers-api').pending(), undefined);
    told.resolve(undefined);
    assert.equal(await pending, undefined);
    assert.equal(question.pending(), undefined);

    question.asking(Promise.resolve(false));
    assert.equal(await question.pending(), false);
  });
});
