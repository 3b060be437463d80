/**
 * The facts readers alone, on predicates: each fact from the one field its
 * build type puts it in, nothing from a field of another build type, and the
 * rules for values that are not facts (fact-values.ts).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { factCommit, factText, factTime } from '../../src/attestations/fact-values.js';
import { readProvenanceFacts } from '../../src/attestations/provenance-facts.js';
import { readSbomFacts } from '../../src/attestations/sbom-facts.js';
import { CYCLONEDX, SLSA_V02, SLSA_V1, SPDX, cycloneDxBom, githubProvenance, spdxDocument } from '../helpers/attestation-signing.js';

const SOURCE = { repository: 'https://github.com/acme/app', commit: 'ABCDEF0123456789abcdef0123456789abcdef01' };

describe('provenance facts', () => {
  test("GitHub's workflow build type under its old slsa-framework URL reads the same", () => {
    const predicate = githubProvenance(SOURCE) as { buildDefinition: { buildType: string } };
    predicate.buildDefinition.buildType = 'https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1';
    assert.deepEqual(readProvenanceFacts(SLSA_V1, predicate), {
      builderId: 'https://github.com/actions/runner/github-hosted',
      sourceRepository: SOURCE.repository,
      buildWorkflow: '.github/workflows/release.yml',
      trigger: 'push',
      sourceCommit: SOURCE.commit.toLowerCase(),
    });
  });

  test("another v1 build type's workflow parameters are not read as GitHub's", () => {
    const predicate = githubProvenance(SOURCE) as { buildDefinition: { buildType: string } };
    predicate.buildDefinition.buildType = 'https://example.com/my-builder/v1';
    assert.deepEqual(readProvenanceFacts(SLSA_V1, predicate), { builderId: 'https://github.com/actions/runner/github-hosted' });
  });

  test("v0.2 from a CI generator: the config source's repository, commit and workflow, the environment's trigger", () => {
    const predicate = {
      builder: {
        id: 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v1.9.0',
      },
      buildType: 'https://github.com/slsa-framework/slsa-github-generator/generic@v1',
      invocation: {
        configSource: {
          uri: `git+${SOURCE.repository}@refs/tags/v1.0.0`,
          digest: { sha1: SOURCE.commit },
          entryPoint: '.github/workflows/release.yml',
        },
        environment: { github_event_name: 'release' },
      },
      metadata: { buildStartedOn: '2026-06-01T14:00:00+02:00' },
    };
    assert.deepEqual(readProvenanceFacts(SLSA_V02, predicate), {
      builderId: predicate.builder.id,
      buildStartedOn: '2026-06-01T12:00:00Z',
      sourceRepository: SOURCE.repository,
      sourceCommit: SOURCE.commit.toLowerCase(),
      buildWorkflow: '.github/workflows/release.yml',
      trigger: 'release',
    });
  });

  test('a predicate that is not an object, or empty, gives no facts', () => {
    for (const predicate of [undefined, null, 'provenance', [], {}]) {
      assert.deepEqual(readProvenanceFacts(SLSA_V1, predicate), {});
      assert.deepEqual(readProvenanceFacts(SLSA_V02, predicate), {});
    }
  });
});

describe('SBOM facts', () => {
  test('SPDX and CycloneDX, with versioned predicate types; anything else is not an SBOM', () => {
    assert.deepEqual(readSbomFacts(SPDX, spdxDocument(['a', 'b'])), { format: 'SPDX', formatVersion: 'SPDX-2.3', packageCount: 2 });
    assert.deepEqual(readSbomFacts(`${SPDX}/v2.3`, spdxDocument([])), { format: 'SPDX', formatVersion: 'SPDX-2.3', packageCount: 0 });
    assert.deepEqual(readSbomFacts(`${CYCLONEDX}/v1.5`, cycloneDxBom(['a'])), {
      format: 'CycloneDX',
      formatVersion: '1.5',
      packageCount: 1,
    });
    assert.equal(readSbomFacts(SPDX, 'SPDXVersion: SPDX-2.3\n'), undefined, 'a tag-value SPDX document is named, not read');
    assert.equal(readSbomFacts('https://spdx.dev/Documentation', spdxDocument(['a'])), undefined);
    assert.deepEqual(readSbomFacts(CYCLONEDX, { specVersion: 15, components: 'many' }), { format: 'CycloneDX', packageCount: 0 });
  });
});

describe('fact values', () => {
  test('text: a non-empty string, cut to 200 characters (code points, not halves of one) and marked', () => {
    assert.equal(factText(''), undefined);
    assert.equal(factText(42), undefined);
    assert.equal(factText('x'.repeat(200)), 'x'.repeat(200));
    assert.equal(factText(`${'😀'.repeat(200)}tail`), `${'😀'.repeat(200)}…`);
  });

  test('commit: 7 to 64 hex digits, lower-cased', () => {
    assert.equal(factCommit('ABCDEF0'), 'abcdef0');
    assert.equal(factCommit('abcdef'), undefined);
    assert.equal(factCommit('a'.repeat(65)), undefined);
    assert.equal(factCommit('refs/heads/main'), undefined);
  });

  test('time: RFC 3339 in UTC to the second; a fraction beyond milliseconds is read; anything else is no time', () => {
    assert.equal(factTime('2026-06-01T12:00:00.999999999Z'), '2026-06-01T12:00:00Z');
    assert.equal(factTime('2026-06-01T00:30:00-01:00'), '2026-06-01T01:30:00Z');
    assert.equal(factTime('2026-06-01'), undefined);
    assert.equal(factTime('2026-13-45T99:00:00Z'), undefined);
    assert.equal(factTime('June 1st'), undefined);
  });
});
