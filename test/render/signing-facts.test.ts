import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load-config.js';
import { packageFile } from '../../src/package-root.js';
import { renderTemplate } from '../../src/render/render-template.js';
import { loadTemplateSet } from '../../src/render/template-set.js';
import { buildView } from '../../src/render/view-model.js';
import { readFulcioIdentity } from '../../src/signatures/fulcio-certificate.js';
import type { SignatureVerdict } from '../../src/signatures/verify-state.js';
import type { Digest } from '../../src/state/image-state.js';
import { loadState } from '../../src/state/load-state.js';
import { createCa, issueLeaf, payloadFor } from '../helpers/signing.js';

/**
 * The Signing section's facts from a certificate with Fulcio's current DER
 * extensions (1.12 source repository, 1.13 its commit, 1.20 the trigger), as
 * GitLab's and current GitHub certificates carry them, read by the same code
 * that reads them for `render`.
 */
const dir = packageFile('fixtures', 'multi-arch');
const config = loadConfig({ cwd: dir });
const state = loadState(config.statePath as string, dir);
const latest = state.tags.find((tag) => tag.name === 'latest')?.digest as Digest;

/** A DER UTF8String of a short value, as the bytes of a raw extension. */
function derUtf8(value: string): string {
  assert.ok(Buffer.byteLength(value) < 0x80, 'test setup: a short value');
  return `\u000c${String.fromCharCode(Buffer.byteLength(value))}${value}`;
}

async function readmeSignedBy(subject: string, extensions: Record<string, string>): Promise<string> {
  const leaf = await issueLeaf(await createCa(), {
    subject,
    issuer: 'https://gitlab.com',
    notBefore: new Date('2025-03-04T05:06:07Z'),
    rawExtensions: Object.entries(extensions).map(([oid, value]) => ({ oid, value: derUtf8(value) })),
  });
  const verdict: SignatureVerdict = {
    verified: true,
    signer: { keyed: false, subject, issuer: 'https://gitlab.com' },
    logEntry: { logIndex: 42, searchable: true },
    signature: {
      format: 'cosign',
      cosign: {
        payload: payloadFor(latest, `${config.location}:latest`),
        payloadBytes: Buffer.alloc(0),
        signature: '',
        bundle: { signedEntryTimestamp: '', payload: { body: '', integratedTime: 1741064767, logIndex: 42, logID: '0'.repeat(64) } },
        certificate: { pem: leaf.pem, identity: readFulcioIdentity(leaf.pem, latest) },
      },
    },
  };
  return renderTemplate(loadTemplateSet('default'), buildView(config, state, new Map([[latest, [verdict]]])));
}

const SHA = '0123456789abcdef0123456789abcdef01234567';

describe("signing facts from Fulcio's DER extensions", () => {
  test('a GitLab pipeline: its source repository linked, the trigger, the commit as code, the log entry and the date', async () => {
    const readme = await readmeSignedBy('https://gitlab.com/acme/app//.gitlab-ci.yml@refs/heads/main', {
      '1.3.6.1.4.1.57264.1.12': 'https://gitlab.com/acme/app',
      '1.3.6.1.4.1.57264.1.13': SHA,
      '1.3.6.1.4.1.57264.1.20': 'push',
    });
    assert.ok(
      readme.includes(
        [
          '- **Source:** [acme/app](https://gitlab.com/acme/app)',
          '- **Trigger:** `push`',
          `- **Commit:** \`${SHA}\``,
          '- **Log entry:** [Rekor entry 42](https://search.sigstore.dev/?logIndex=42)',
          '- **Signed on:** 2025-03-04 05:06 UTC',
        ].join('\n'),
      ),
      readme,
    );
  });

  test('a GitHub workflow: the workflow and ref from the subject, the commit linked to its page on GitHub', async () => {
    const readme = await readmeSignedBy('https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.2.3', {
      '1.3.6.1.4.1.57264.1.13': SHA,
      '1.3.6.1.4.1.57264.1.20': 'release',
    });
    assert.ok(
      readme.includes(
        `- **Signer:** the \`.github/workflows/release.yml\` workflow of [acme/app](https://github.com/acme/app), at \`refs/tags/v1.2.3\`\n- **Trigger:** \`release\`\n- **Commit:** [${SHA}](https://github.com/acme/app/commit/${SHA})\n`,
      ),
      readme,
    );
  });

  test('a source repository that is not a plain repository URL is left out, not made a link', async () => {
    const readme = await readmeSignedBy('someone@example.com', {
      '1.3.6.1.4.1.57264.1.12': 'https://e.vil/a b](https://e.vil/x)',
      '1.3.6.1.4.1.57264.1.20': 'push',
    });
    assert.doesNotMatch(readme, /\*\*Source:\*\*|e\.vil/);
    assert.ok(readme.includes('- **Trigger:** `push`\n'));
  });
});
