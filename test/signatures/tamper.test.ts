/**
 * A tamper suite generated from real corpus READMEs: each test changes one
 * thing in an authentic README (by string operations on the text, reading the
 * JSON printed in its cosign output where needed), runs `readme-gen verify` on
 * the result, and expects exit 4 naming the check that catches that change.
 * The untouched READMEs pass in the same suite, so a failure here is the
 * tamper being detected, not the README being unreadable.
 *
 * sigstore-js runs its checks in a fixed order, which decides the letter:
 * (c) the certificate at the entry's integratedTime, then (d) the SET over
 * {body, integratedTime, logID, logIndex}, then (e) the entry's signature and
 * data hash against the presented ones, then (b) the signature itself. So
 * anything inside the logged entry is caught by the SET (d), and the payload
 * rebuilt from the printed claims is caught by the entry's data hash (e).
 * What cosign adds to the printed claims without signing it (Subject, Issuer,
 * the certificate's extensions) must be what the verified certificate says (e).
 *
 * The end tests tamper at the state level, in-process, with the imported
 * fixtures/corpus states.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { packageFile } from '../../src/package-root.js';
import type { Check } from '../../src/signatures/signature-check-error.js';
import { loadTrust } from '../../src/signatures/trusted-root.js';
import { type SignatureVerdict, verifyStateSignatures } from '../../src/signatures/verify-state.js';
import type { CosignSignatureRecord, ImageState } from '../../src/state/image-state.js';
import { loadState } from '../../src/state/load-state.js';
import { runCli, temporaryDirectory } from '../helpers/run-cli.js';
import { createCa, createLog, trustedRoot } from '../helpers/signing.js';

const SHARED_CORPUS = path.resolve(packageFile(), '..', 'shared', 'corpus', 'glibc-dynamic');

/** Authentic READMEs covering the corpus's variations. */
const CASES = [
  { name: '006-4675c89', what: 'oids-only output, distroless wording' },
  { name: '028-ededd61', what: 'with-workflow-names output' },
  { name: '087-ef75992', what: 'a 15-row tags table' },
] as const;

function corpusReadme(name: string): string {
  const shared = path.join(SHARED_CORPUS, `${name}.md`);
  return readFileSync(existsSync(shared) ? shared : packageFile('fixtures', 'corpus', name, 'expected.md'), 'utf8');
}

// ---- reading what a README prints -------------------------------------------------

interface PrintedClaims {
  critical: { identity: { 'docker-reference': string }; image: { 'docker-manifest-digest': string } };
  optional: {
    Bundle: { SignedEntryTimestamp: string; Payload: { body: string; integratedTime: number; logIndex: number; logID: string } };
    Subject: string;
    Issuer: string;
    /** the GitHub repository the workflow ran in (a Fulcio certificate extension) */
    '1.3.6.1.4.1.57264.1.5': string;
    run_id: string;
  };
}

interface LoggedEntry {
  spec: { data: { hash: { value: string } }; signature: { content: string } };
}

/** The single element of the JSON array inside the README's cosign output block. */
function printedClaims(readme: string): PrintedClaims {
  const block = /\n```\n(?:.*\n)*?(Verification for [^\n]+ --\n(?:.*\n)*?)```\n/.exec(readme)?.[1];
  assert.ok(block, 'the README has a cosign output block');
  const claims: unknown = JSON.parse(block.slice(block.indexOf('\n[') + 1));
  assert.ok(Array.isArray(claims) && claims.length === 1, 'one signature is printed');
  return claims[0] as PrintedClaims;
}

function decodeBody(body: string): string {
  const decoded = Buffer.from(body, 'base64').toString('utf8');
  assert.equal(Buffer.from(decoded, 'utf8').toString('base64'), body, 'the body re-encodes to the same base64');
  return decoded;
}

function encodeBody(decoded: string): string {
  return Buffer.from(decoded, 'utf8').toString('base64');
}

/** The README's tags-table row for `latest` (the tag the cosign output verifies). */
function latestRow(readme: string): string {
  const rows = readme.split('\n').filter((line) => line.startsWith('| ') && line.includes('`latest`'));
  assert.equal(rows.length, 1, 'one table row shows `latest`');
  return rows[0] as string;
}

// ---- string operations ------------------------------------------------------------

function occurrences(text: string, part: string): number {
  return text.split(part).length - 1;
}

/** Replaces `from`, which must occur exactly once. */
function replaceOnce(text: string, from: string, to: string): string {
  assert.notEqual(from, to);
  assert.equal(occurrences(text, from), 1, `${JSON.stringify(from.slice(0, 60))} occurs once`);
  return text.replace(from, () => to);
}

/** Replaces every occurrence of `from`, which must occur. */
function replaceEvery(text: string, from: string, to: string): string {
  assert.notEqual(from, to);
  assert.ok(occurrences(text, from) > 0, `${JSON.stringify(from.slice(0, 60))} occurs`);
  return text.split(from).join(to);
}

/** `text` with the character at `index` (default: the middle one) replaced by another from the same alphabet. */
function changeOneChar(text: string, alphabet: string, index = Math.floor(text.length / 2)): string {
  const current = text[index];
  assert.ok(current !== undefined && alphabet.includes(current), `character ${index} of ${text} is in the alphabet`);
  const replacement = current === alphabet[0] ? alphabet[1] : alphabet[0];
  return text.slice(0, index) + replacement + text.slice(index + 1);
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const HEX = '0123456789abcdef';

// ---- the tampers ------------------------------------------------------------------

interface Tamper {
  what: string;
  check: Check;
  /** The README with the one change; the original when the change is in the flags. */
  tamper: (readme: string) => string;
  /** Extra verify flags. */
  flags?: (dir: string, readme: string) => Promise<string[]> | string[];
  /** Why this check and not another, when that is not obvious. */
  because?: string;
}

const TAMPERS: Tamper[] = [
  {
    what: 'one character of the signature inside the logged entry body',
    check: 'd',
    because: 'the body is covered by the SET, which sigstore-js checks before comparing the entry with the signature',
    tamper: (readme) => {
      const { body } = printedClaims(readme).optional.Bundle.Payload;
      const decoded = decodeBody(body);
      const signature = (JSON.parse(decoded) as LoggedEntry).spec.signature.content;
      const tamperedBody = encodeBody(replaceOnce(decoded, JSON.stringify(signature), JSON.stringify(changeOneChar(signature, BASE64))));
      return replaceOnce(readme, body, tamperedBody);
    },
  },
  {
    what: 'one character of the SignedEntryTimestamp',
    check: 'd',
    tamper: (readme) => {
      const set = printedClaims(readme).optional.Bundle.SignedEntryTimestamp;
      return replaceOnce(readme, set, changeOneChar(set, BASE64));
    },
  },
  {
    what: 'the data hash inside the logged entry body',
    check: 'd',
    because: 'the SET no longer matches the body, and the SET is checked before the data hash',
    tamper: (readme) => {
      const { body } = printedClaims(readme).optional.Bundle.Payload;
      const decoded = decodeBody(body);
      const hash = (JSON.parse(decoded) as LoggedEntry).spec.data.hash.value;
      return replaceOnce(readme, body, encodeBody(replaceOnce(decoded, hash, changeOneChar(hash, HEX))));
    },
  },
  {
    what: 'the logIndex',
    check: 'd',
    tamper: (readme) => {
      const { logIndex } = printedClaims(readme).optional.Bundle.Payload;
      return replaceOnce(readme, `"logIndex": ${logIndex},`, `"logIndex": ${logIndex + 1},`);
    },
  },
  {
    what: 'the integratedTime moved a day later, outside the certificate’s ten minutes',
    check: 'c',
    because: 'sigstore-js checks the certificate at the entry’s time before it checks the SET, which would also fail',
    tamper: (readme) => {
      const { integratedTime } = printedClaims(readme).optional.Bundle.Payload;
      return replaceOnce(readme, `"integratedTime": ${integratedTime},`, `"integratedTime": ${integratedTime + 86_400},`);
    },
  },
  {
    what: 'the image digest, changed in the table and the claims alike',
    check: 'e',
    because: 'table and claims agree, but the payload rebuilt with the new digest does not hash to the logged data hash',
    tamper: (readme) => {
      const digest = printedClaims(readme).critical.image['docker-manifest-digest'];
      const tampered = replaceEvery(readme, digest, changeOneChar(digest, HEX, digest.length - 1));
      assert.equal(occurrences(tampered, digest), 0);
      return tampered;
    },
  },
  {
    what: 'the image digest, changed in the tags table only',
    check: 'a',
    tamper: (readme) => {
      const digest = printedClaims(readme).critical.image['docker-manifest-digest'];
      const row = latestRow(readme);
      return replaceOnce(readme, row, replaceEvery(row, digest, changeOneChar(digest, HEX, digest.length - 1)));
    },
  },
  {
    what: "a second digest in the Digest cell of the tag's row",
    check: 'a',
    because: "a row's own digest is alone in its leftmost digest cell, as render checks it; two there tie no one digest to the tag",
    tamper: (readme) => {
      const digest = printedClaims(readme).critical.image['docker-manifest-digest'];
      const row = latestRow(readme);
      return replaceOnce(
        readme,
        row,
        replaceOnce(row, `\`${digest}\``, `\`${digest}\` \`${changeOneChar(digest, HEX, digest.length - 1)}\``),
      );
    },
  },
  {
    what: 'the docker-reference in the claims',
    check: 'e',
    tamper: (readme) => {
      const reference = printedClaims(readme).critical.identity['docker-reference'];
      return replaceOnce(readme, `"docker-reference": "${reference}"`, `"docker-reference": "${reference}-fork"`);
    },
  },
  {
    what: 'the run_id annotation in the claims',
    check: 'e',
    tamper: (readme) => {
      const runId = printedClaims(readme).optional.run_id;
      return replaceOnce(readme, `"run_id": "${runId}"`, `"run_id": "${String(BigInt(runId) + 1n)}"`);
    },
  },
  {
    what: 'the printed Subject (not signed: cosign prints it from the certificate)',
    check: 'e',
    because: 'the signature still verifies; the printed Subject must then be the verified certificate’s',
    tamper: (readme) => {
      const subject = printedClaims(readme).optional.Subject;
      return replaceOnce(readme, `"Subject": "${subject}"`, `"Subject": "${subject.replace('/glibc-dynamic/', '/glibc-dynamic-fork/')}"`);
    },
  },
  {
    what: 'the printed Issuer (not signed: cosign prints it from the certificate)',
    check: 'e',
    tamper: (readme) =>
      replaceOnce(readme, '"Issuer": "https://token.actions.githubusercontent.com"', '"Issuer": "https://accounts.google.com"'),
  },
  {
    what: 'the printed workflow repository extension 1.3.6.1.4.1.57264.1.5',
    check: 'e',
    tamper: (readme) => {
      const repository = printedClaims(readme).optional['1.3.6.1.4.1.57264.1.5'];
      return replaceOnce(readme, `"1.3.6.1.4.1.57264.1.5": "${repository}"`, `"1.3.6.1.4.1.57264.1.5": "someone-else/glibc-dynamic"`);
    },
  },
  {
    what: 'an identity outside the policy (--certificate-identity)',
    check: 'policy',
    tamper: (readme) => readme,
    flags: () => ['--certificate-identity', 'https://github.com/someone-else/glibc-dynamic/.github/workflows/release.yaml@refs/heads/main'],
  },
  {
    what: 'an identity outside the policy (--certificate-identity-regexp)',
    check: 'policy',
    tamper: (readme) => readme,
    flags: () => ['--certificate-identity-regexp', '^https://github\\.com/someone-else/'],
  },
  {
    what: 'an issuer outside the policy (--certificate-oidc-issuer)',
    check: 'policy',
    tamper: (readme) => readme,
    flags: () => ['--certificate-oidc-issuer', 'https://accounts.google.com'],
  },
  {
    // Replacing the certificate inside the body would break the SET first, so
    // the README is left alone and the trust is changed instead: a trusted root
    // with another CA and another log key. The certificate is checked first
    // (sigstore-js verifies the chain at integratedTime before the SET), and no
    // CA of that root issued the Fulcio leaf, so it fails at (c); the log key
    // would have failed (d) next. Either way the README is rejected.
    what: 'a certificate from a CA the trusted root does not hold (--trusted-root with another CA and log)',
    check: 'c',
    tamper: (readme) => readme,
    flags: async (dir) => {
      const file = path.join(dir, 'other-trusted-root.json');
      writeFileSync(file, JSON.stringify(trustedRoot(await createCa(), createLog())));
      return ['--trusted-root', file];
    },
  },
];

/** How a failure names its check: `check (d) transparency log failed`, `check identity policy failed`. */
function checkPattern(check: Check): RegExp {
  return check === 'policy' ? /: check identity policy failed: / : new RegExp(`: check \\(${check}\\) [a-z ]+ failed: `);
}

describe('tampered corpus READMEs are rejected by readme-gen verify', () => {
  for (const { name, what } of CASES) {
    describe(`${name} (${what})`, () => {
      const original = corpusReadme(name);

      test('the untouched README is authentic (exit 0)', (t) => {
        const dir = temporaryDirectory(t);
        writeFileSync(path.join(dir, 'README.md'), original);

        const result = runCli(['verify', 'README.md'], dir);

        assert.equal(result.status, 0, result.stderr);
        assert.match(result.stdout, /^README\.md: authentic: /);
      });

      test('the untouched README passes a policy naming its own signer', (t) => {
        const dir = temporaryDirectory(t);
        writeFileSync(path.join(dir, 'README.md'), original);
        const { Subject, Issuer } = printedClaims(original).optional;

        const result = runCli(['verify', 'README.md', '--certificate-identity', Subject, '--certificate-oidc-issuer', Issuer], dir);

        assert.equal(result.status, 0, result.stderr);
      });

      for (const tamper of TAMPERS) {
        test(`${tamper.what}: exit 4, check ${tamper.check}`, async (t) => {
          const dir = temporaryDirectory(t);
          const tampered = tamper.tamper(original);
          writeFileSync(path.join(dir, 'README.md'), tampered);
          const flags = (await tamper.flags?.(dir, tampered)) ?? [];
          assert.ok(tampered !== original || flags.length > 0, 'the test changes something');

          const result = runCli(['verify', 'README.md', ...flags], dir);

          assert.equal(result.status, 4, `not rejected: ${result.stdout}${result.stderr}`);
          assert.equal(result.stdout, '');
          assert.match(result.stderr, /^readme-gen: README\.md: sha256:[0-9a-f]{64}: [^\n]+\n$/);
          assert.match(result.stderr, checkPattern(tamper.check), tamper.because);
        });
      }
    });
  }
});

describe('tampered corpus states are rejected in-process', () => {
  const trust = loadTrust();

  function fixtureState(name: string): ImageState {
    const dir = packageFile('fixtures', 'corpus', name);
    return loadState(path.join(dir, 'state.json'), dir);
  }

  /** The state's one signature record (a deep copy), and the digest it signs. */
  function onlySignature(state: ImageState): { digest: string; record: CosignSignatureRecord } {
    const signed = Object.entries(state.images).filter(([, image]) => image.signatures.length > 0);
    assert.equal(signed.length, 1);
    const [digest, image] = signed[0] as [string, ImageState['images'][`sha256:${string}`]];
    assert.equal(image.signatures.length, 1);
    return { digest, record: image.signatures[0] as CosignSignatureRecord };
  }

  function verdictWith(name: string, change: (record: CosignSignatureRecord) => void): SignatureVerdict {
    const state = structuredClone(fixtureState(name));
    const { digest, record } = onlySignature(state);
    change(record);
    const verdicts = verifyStateSignatures(state, [digest], trust, {}).get(digest) ?? [];
    assert.equal(verdicts.length, 1);
    return verdicts[0] as SignatureVerdict;
  }

  test('the untouched 006 state verifies', () => {
    const verdict = verdictWith('006-4675c89', () => {});

    assert.ok(verdict.verified, verdict.verified ? '' : verdict.failure.message);
  });

  test('one character of the signature annotation: check (e), the signature differs from the logged one', () => {
    const verdict = verdictWith('006-4675c89', (record) => {
      const signature = record.annotations['dev.cosignproject.cosign/signature'];
      record.annotations['dev.cosignproject.cosign/signature'] = changeOneChar(signature, BASE64);
    });

    assert.ok(!verdict.verified, 'the tampered signature must not verify');
    assert.equal(verdict.failure.check, 'e');
    assert.match(verdict.failure.message, /the signature differs from the one in the logged entry/);
  });

  test('the certificate annotation replaced by the real certificate of another corpus signature: check (c)', () => {
    const otherCertificate = onlySignature(fixtureState('028-ededd61')).record.annotations['dev.sigstore.cosign/certificate'];
    assert.ok(otherCertificate);

    const verdict = verdictWith('006-4675c89', (record) => {
      assert.notEqual(record.annotations['dev.sigstore.cosign/certificate'], otherCertificate);
      record.annotations['dev.sigstore.cosign/certificate'] = otherCertificate;
    });

    // The other certificate is a genuine Fulcio certificate, but it lived ten
    // minutes on another day (028 was signed weeks after 006): sigstore-js
    // checks the certificate at 006's integratedTime first, so (c). A
    // certificate valid at that time would get past (c)–(d) and fail at (b) or
    // the certificate comparison of (e).
    assert.ok(!verdict.verified, 'a swapped certificate must not verify');
    assert.equal(verdict.failure.check, 'c');
    assert.match(
      verdict.failure.message,
      /the certificate, valid from \S+Z to \S+Z, was not valid at the log's integrated time \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
    );
  });
});
