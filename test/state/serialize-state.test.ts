import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { packageFile } from '../../src/package-root.js';
import type { Digest, ImageState, SignatureRecord } from '../../src/state/image-state.js';
import { loadState } from '../../src/state/load-state.js';
import { serializeState } from '../../src/state/serialize-state.js';

const stateFiles = [
  packageFile('fixtures', 'glibc-dynamic', 'state.json'),
  packageFile('fixtures', 'multi-arch', 'state.json'),
  ...readdirSync(packageFile('fixtures', 'corpus')).map((name) => packageFile('fixtures', 'corpus', name, 'state.json')),
];

describe('state serialisation', () => {
  test('every committed state is in canonical form: load then serialise gives the same bytes', () => {
    for (const file of stateFiles) {
      assert.equal(serializeState(loadState(file, path.dirname(file))), readFileSync(file, 'utf8'), file);
    }
  });

  test('does not depend on the order things were found in', () => {
    const state = loadState(stateFiles[1] ?? '', '/');
    const shuffled: ImageState = {
      images: Object.fromEntries(Object.entries(state.images).reverse()),
      tags: [...state.tags].reverse(),
      repository: state.repository,
      schemaVersion: 1,
    };
    assert.equal(serializeState(shuffled), serializeState(state));
  });

  test('keeps platform and signature order, which the registry defines', () => {
    const state = loadState(stateFiles[1] ?? '', '/');
    const [digest, image] = Object.entries(state.images).find(([, each]) => each.platforms.length > 2) ?? [];
    assert.ok(digest && image, 'the multi-arch fixture has an image with three platforms or more');
    const signed = loadState(stateFiles[0] ?? '', '/');
    const [signature] = Object.values(signed.images).flatMap((each) => each.signatures);
    assert.ok(signature?.format === 'cosign', 'the glibc-dynamic fixture has a legacy signature');
    const signatures: SignatureRecord[] = ['ff', '00', '80'].map((hex) => ({ ...signature, digest: `sha256:${hex.repeat(32)}` }));
    // Neither order is sorted, so a serialiser that sorted them would show.
    const platforms = [image.platforms[1], image.platforms[0], ...image.platforms.slice(2).reverse()].filter(
      (platform) => platform !== undefined,
    );
    const reordered: ImageState = { ...state, images: { ...state.images, [digest]: { ...image, platforms, signatures } } };

    const written = JSON.parse(serializeState(reordered)) as ImageState;
    const writtenImage = written.images[digest as Digest];
    assert.deepEqual(
      writtenImage?.platforms.map((platform) => platform.architecture + (platform.variant ?? '')),
      platforms.map((platform) => platform.architecture + (platform.variant ?? '')),
    );
    assert.deepEqual(
      writtenImage?.signatures.map((record) => (record.format === 'cosign' ? record.digest : record.manifestDigest)),
      signatures.map((record) => (record.format === 'cosign' ? record.digest : '')),
    );
  });
});
