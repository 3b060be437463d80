import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/load-config.js';
import { packageFile } from '../../src/package-root.js';
import { renderReadme } from '../../src/render/render-readme.js';
import { loadTemplateSet } from '../../src/render/template-set.js';
import { loadTrust } from '../../src/signatures/trusted-root.js';
import type { Digest, ImageState, PlatformRecord } from '../../src/state/image-state.js';
import { loadState } from '../../src/state/load-state.js';
import { SLSA_V02, SPDX, buildkitLayer, buildkitProvenanceV02, spdxDocument, statement } from './attestation-signing.js';

/**
 * READMEs of the default template for the browser test and the screenshots:
 * fixtures/multi-arch (its `latest` is signed, with a real signature), with
 * its `latest` image given 1–4 platforms, variants, long tags, or 200 more
 * digests. Rendered in process, as `readme-gen render` renders them.
 */
const dir = packageFile('fixtures', 'multi-arch');
const config = loadConfig({ cwd: dir });
const fixtureState = loadState(config.statePath as string, dir);
const templates = loadTemplateSet('default');
const trust = loadTrust();

const LATEST = fixtureState.tags.find((tag) => tag.name === 'latest')?.digest as Digest;

function platform(architecture: string, variant: string | undefined, index: number): PlatformRecord {
  const record: PlatformRecord = {
    os: 'linux',
    architecture,
    digest: `sha256:${(index + 1).toString(16).repeat(64)}`,
    size: 31_000_000 + index * 1_234_567,
  };
  if (variant !== undefined) record.variant = variant;
  return record;
}

const FOUR: [string, string?][] = [['amd64'], ['arm64'], ['arm', 'v7'], ['ppc64le']];
const VARIANTS: [string, string?][] = [
  ['amd64', 'v3'],
  ['arm', 'v6'],
  ['arm', 'v7'],
  ['arm64', 'v8'],
];

function withLatestPlatforms(platforms: [string, string?][], state: ImageState = structuredClone(fixtureState)): ImageState {
  const image = state.images[LATEST];
  assert.ok(image, 'the fixture has its latest image');
  image.platforms = platforms.map(([architecture, variant], index) => platform(architecture, variant, index));
  return state;
}

function withTags(state: ImageState, names: string[]): ImageState {
  for (const name of names) state.tags.push({ name, digest: LATEST, mediaType: 'application/vnd.oci.image.index.v1+json' });
  return state;
}

/** 200 more digests, each a 4-platform index with two tags, created on a date of its own. */
function withManyDigests(state: ImageState): ImageState {
  for (let i = 0; i < 200; i++) {
    const digest: Digest = `sha256:${(0x1000 + i).toString(16).padStart(64, 'c')}`;
    for (const name of [`1.${i}.0`, `1.${i}`]) state.tags.push({ name, digest, mediaType: 'application/vnd.oci.image.index.v1+json' });
    state.images[digest] = {
      mediaType: 'application/vnd.oci.image.index.v1+json',
      platforms: FOUR.map(([architecture, variant], index) => platform(architecture, variant, index)),
      annotations: { 'org.opencontainers.image.created': new Date(Date.UTC(2024, 0, 1 + i)).toISOString() },
      signatures: [],
    };
  }
  return state;
}

/** Every image with BuildKit's unsigned provenance and SBOM per platform: the widest Attested cell. */
function withAttestations(state: ImageState): ImageState {
  for (const image of Object.values(state.images)) {
    image.attestations = image.platforms.flatMap((record) => {
      const subject = record.digest as Digest;
      return [
        buildkitLayer(subject, SLSA_V02, statement([subject], SLSA_V02, buildkitProvenanceV02(SOURCE, 'https://github.com/docker/buildx'))),
        buildkitLayer(subject, SPDX, statement([subject], SPDX, spdxDocument(['busybox', 'glibc']))),
      ];
    });
  }
  return state;
}

const SOURCE = { repository: 'https://github.com/acme/glibc-dynamic', commit: '0123456789abcdef0123456789abcdef01234567' };

const LONG_TAGS = ['2.36.1-r0-bookworm-20240101', '2.36-bookworm-slim-nonroot', 'latest-dev'];

export const PREVIEW_FIXTURES: Record<string, () => ImageState> = {
  '1 platform': () => withLatestPlatforms(FOUR.slice(0, 1)),
  '2 platforms': () => withLatestPlatforms(FOUR.slice(0, 2)),
  '3 platforms': () => withLatestPlatforms(FOUR.slice(0, 3)),
  '4 platforms': () => withLatestPlatforms(FOUR),
  '4 platforms with variants': () => withLatestPlatforms(VARIANTS),
  'long tags, 4 platforms': () => withTags(withLatestPlatforms(FOUR), LONG_TAGS),
  '200 more digests, 4 platforms': () => withManyDigests(withLatestPlatforms(FOUR)),
  'attested (unsigned), long tags, 4 platforms': () => withAttestations(withTags(withLatestPlatforms(FOUR), LONG_TAGS)),
};

export function renderPreviewFixture(state: ImageState = fixtureState): string {
  return renderReadme(config, state, templates, trust).markdown;
}
