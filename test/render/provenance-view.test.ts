import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AttestationFacts, AttestationVerdict, ProvenanceFacts, SbomFacts } from '../../src/attestations/attestation-facts.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { ResolvedConfig } from '../../src/config/readme-gen-config.js';
import { packageFile } from '../../src/package-root.js';
import { checkTagsTable } from '../../src/render/check-tags-table.js';
import { renderTemplate } from '../../src/render/render-template.js';
import { loadTemplateSet } from '../../src/render/template-set.js';
import { buildView } from '../../src/render/view-model.js';
import { SignatureCheckError } from '../../src/signatures/signature-check-error.js';
import type { Digest, ImageState } from '../../src/state/image-state.js';
import { loadState } from '../../src/state/load-state.js';
import { firstClaimDifference, printsProvenance, readmeClaims } from '../../src/verify/readme-claims.js';

/**
 * The Provenance section, the SBOM line and the tags table's Attested column,
 * from attestation verdicts made by hand (what verifyStateAttestations hands
 * render): each fact where the template puts it, signed and unsigned told
 * apart, and nothing at all when there is no attestation.
 */
const dir = packageFile('fixtures', 'multi-arch');
const base = loadConfig({ cwd: dir });
const state: ImageState = loadState(base.statePath as string, dir);
const latest = state.tags.find((tag) => tag.name === 'latest')?.digest as Digest;
const amd64 = state.images[latest]?.platforms.find((platform) => platform.architecture === 'amd64')?.digest as Digest;
const SHA = '0123456789abcdef0123456789abcdef01234567';
const WORKFLOW_SIGNER = 'https://github.com/acme/build/.github/workflows/provenance.yml@refs/tags/v1';

function config(template: 'default' | 'distroless'): ResolvedConfig {
  return { ...base, template, wording: { generator: 'https://example.com/gen', signedImages: 'Acme images' } };
}

const signed = {
  signed: true,
  signer: { keyed: false, subject: WORKFLOW_SIGNER, issuer: 'https://token.actions.githubusercontent.com' },
  logEntry: { logIndex: 4242, searchable: true },
} as const;

function provenance(overrides: Partial<ProvenanceFacts> = {}): ProvenanceFacts {
  return {
    kind: 'provenance',
    predicateType: 'https://slsa.dev/provenance/v1',
    subject: latest,
    form: 'sigstore-bundle',
    manifestDigest: `sha256:${'9'.repeat(64)}`,
    signing: signed,
    sourceRepository: 'https://github.com/acme/glibc-dynamic.git',
    sourceCommit: SHA,
    builderId: 'https://github.com/actions/runner/github-hosted',
    buildWorkflow: '.github/workflows/release.yml',
    trigger: 'push',
    buildStartedOn: '2026-03-04T05:06:07Z',
    ...overrides,
  };
}

function sbom(overrides: Partial<SbomFacts> = {}): SbomFacts {
  return {
    kind: 'sbom',
    predicateType: 'https://spdx.dev/Document',
    subject: latest,
    form: 'cosign',
    manifestDigest: `sha256:${'8'.repeat(64)}`,
    signing: signed,
    format: 'SPDX',
    formatVersion: 'SPDX-2.3',
    packageCount: 42,
    ...overrides,
  };
}

const verified = (facts: AttestationFacts): AttestationVerdict => ({ verified: true, facts });

function readme(template: 'default' | 'distroless', attestations: Map<string, AttestationVerdict[]>): string {
  const templates = loadTemplateSet(template);
  const view = buildView(config(template), state, new Map(), attestations);
  const markdown = renderTemplate(templates, view);
  checkTagsTable(markdown, view.rows, templates);
  return markdown;
}

describe('the Provenance section', () => {
  for (const template of ['default', 'distroless'] as const) {
    test(`${template}: no attestation, no section and no column (the README as before)`, () => {
      const markdown = readme(template, new Map());
      assert.ok(!markdown.includes('Provenance') && !markdown.includes('Attested'), markdown);
      assert.equal(markdown, readme(template, new Map([[latest, []]])));
    });

    test(`${template}: signed provenance, every fact, linked to GitHub, with the signer and its log entry`, () => {
      const markdown = readme(template, new Map([[latest, [verified(provenance())]]]));
      const reference = `${base.location}:latest`;
      assert.ok(
        markdown.includes(
          `\`${reference}\` has [SLSA provenance](https://slsa.dev/spec/v1.0/provenance) (v1), signed with [Sigstore](https://sigstore.dev) by \`${WORKFLOW_SIGNER}\` (issuer \`https://token.actions.githubusercontent.com\`);`,
        ),
        markdown,
      );
      assert.ok(
        markdown.includes(
          [
            '- **Source:** [acme/glibc-dynamic](https://github.com/acme/glibc-dynamic)',
            `- **Commit:** [${SHA}](https://github.com/acme/glibc-dynamic/commit/${SHA})`,
            '- **Builder:** `https://github.com/actions/runner/github-hosted`',
            '- **Workflow:** `.github/workflows/release.yml`',
            '- **Trigger:** `push`',
            '- **Built on:** 2026-03-04 05:06 UTC',
            '- **Log entry:** [Rekor entry 4242](https://search.sigstore.dev/?logIndex=4242)',
          ].join('\n'),
        ),
        markdown,
      );
    });
  }

  test('unsigned BuildKit provenance of one platform: said to be unsigned, its platform named, no log entry', () => {
    const markdown = readme(
      'default',
      new Map([
        [
          latest,
          [
            verified(
              provenance({
                form: 'buildkit',
                subject: amd64,
                signing: { signed: false },
                predicateType: 'https://slsa.dev/provenance/v0.2',
                sourceRepository: 'https://gitlab.example/acme/app.git',
                buildWorkflow: undefined as unknown as string,
              }),
            ),
          ],
        ],
      ]),
    );
    assert.ok(
      markdown.includes('(`amd64`) has [SLSA provenance](https://slsa.dev/spec/v1.0/provenance) (v0.2) written by BuildKit'),
      markdown,
    );
    assert.ok(markdown.includes('It is not signed'), markdown);
    assert.ok(markdown.includes('- **Source:** `https://gitlab.example/acme/app`'), 'not on GitHub: shown, not linked');
    assert.ok(markdown.includes(`- **Commit:** \`${SHA}\``), markdown);
    assert.ok(!markdown.includes('**Log entry:**'), markdown);
    assert.ok(/\| provenance \(unsigned\) \|/.test(markdown), 'the row says it is unsigned');
  });

  test('an SBOM line: format, count, and the download command for a signed and for a BuildKit SBOM', () => {
    const signedReadme = readme('default', new Map([[latest, [verified(provenance()), verified(sbom())]]]));
    assert.ok(signedReadme.includes('**SBOM:** SPDX (`SPDX-2.3`), 42 packages, signed by'), signedReadme);
    assert.ok(
      signedReadme.includes(`cosign download attestation --predicate-type https://spdx.dev/Document ${base.location}@${latest}`),
      signedReadme,
    );
    assert.ok(/\| provenance<br\/>SBOM \|/.test(signedReadme), 'the row marks both');

    const buildkit = readme(
      'default',
      new Map([[latest, [verified(sbom({ form: 'buildkit', signing: { signed: false }, format: 'CycloneDX', packageCount: 1 }))]]]),
    );
    assert.ok(buildkit.includes('**SBOM:** CycloneDX (`SPDX-2.3`), 1 package, unsigned (BuildKit'), buildkit);
    assert.ok(buildkit.includes(`docker buildx imagetools inspect ${base.location}@${latest} --format '{{ json .SBOM }}'`), buildkit);
  });

  test('a keyed provenance says it is signed with a key, and names no signer', () => {
    const keyed = provenance({ signing: { signed: true, signer: { keyed: true }, logEntry: { logIndex: 7, searchable: true } } });
    const markdown = readme('default', new Map([[latest, [verified(keyed)]]]));
    assert.ok(markdown.includes('(v1), signed with a key; readme-gen verified its signature'), markdown);
  });

  test('a signed provenance is shown before an unsigned one, whatever the order', () => {
    const unsigned = provenance({ form: 'buildkit', signing: { signed: false }, sourceCommit: 'f'.repeat(40) });
    const markdown = readme('default', new Map([[latest, [verified(unsigned), verified(provenance())]]]));
    assert.ok(markdown.includes(SHA) && !markdown.includes('f'.repeat(40)), markdown);
  });

  test('a failed attestation (with --allow-unverified) is a warning naming why, its facts left out', () => {
    const failure = new SignatureCheckError(latest, 'a', 'the statement names sha256:00, not the image');
    const markdown = readme('default', new Map([[latest, [{ verified: false, record: {} as never, failure }]]]));
    assert.ok(markdown.includes('> **Warning:** an attestation of'), markdown);
    assert.ok(!markdown.includes('**Source:**'), markdown);
  });
});

describe("verify's claims of a Provenance section", () => {
  const rendered = readme('default', new Map([[latest, [verified(provenance()), verified(sbom())]]]));
  const claims = readmeClaims(rendered, 'README.md');

  test('every fact is a claim named by its label, the SBOM line and its command too', () => {
    assert.ok(printsProvenance(claims));
    assert.ok(!printsProvenance(readmeClaims(readme('default', new Map()), 'README.md')), 'none without a Provenance section');
    const handWritten = '# app\n\n## Provenance\n\nBuilt by our CI from the main branch.\n';
    assert.ok(!printsProvenance(readmeClaims(handWritten, 'README.md')), 'prose alone in a Provenance section is no printed fact');
    const byName = new Map(claims.map((claim) => [claim.name, claim.value]));
    assert.equal(byName.get('the provenance fact "Commit"'), `[${SHA}](https://github.com/acme/glibc-dynamic/commit/${SHA})`);
    assert.equal(byName.get('the provenance fact "Builder"'), '`https://github.com/actions/runner/github-hosted`');
    assert.match(byName.get('the provenance fact "SBOM"') ?? '', /^SPDX \(`SPDX-2.3`\), 42 packages, signed by /);
    assert.match(
      byName.get('the command 1 of the Provenance section') ?? '',
      /^cosign download attestation --predicate-type https:\/\/spdx.dev\/Document /,
    );
    assert.match(byName.get('the text 1 of the Provenance section') ?? '', /signed with \[Sigstore\]/);
  });

  for (const [fact, from, to, claim] of [
    ['Commit', SHA, 'f'.repeat(40), 'the provenance fact "Commit"'],
    ['Builder', 'github-hosted', 'self-hosted', 'the provenance fact "Builder"'],
    ['Trigger', '`push`', '`workflow_dispatch`', 'the provenance fact "Trigger"'],
    ['SBOM', '42 packages', '41 packages', 'the provenance fact "SBOM"'],
    ['text 1', 'signed with', 'not signed with', 'the text 1 of the Provenance section'],
  ] as const) {
    test(`a README whose ${fact} was edited differs from the state's by that fact`, () => {
      const edited = rendered.replace(from, to);
      assert.notEqual(edited, rendered, 'test setup: the edit took');
      const difference = firstClaimDifference(readmeClaims(edited, 'README.md'), claims);
      assert.equal(difference?.name, claim);
    });
  }
});
