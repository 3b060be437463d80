/**
 * `readme-gen verify` on READMEs rendered from cosign 3 Sigstore bundles. The
 * printed `cosign verify` output of a bundle carries no log proof, so verify
 * holds such a README to its committed state: it finds the config whose output
 * the README is (beside it or above it, or --config), verifies the state's
 * signatures, renders the README from the state as `render` does, and compares
 * the claims of both claim by claim. Everything runs through the built binary
 * in a temporary repository, offline; the signatures are made by the test's
 * own CA and log (test/helpers/signing.ts).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import type { Digest, ImageState, SignatureRecord, SigstoreBundleRecord } from '../../src/state/image-state.js';
import { serializeState } from '../../src/state/serialize-state.js';
import { type CliRun, runCli, temporaryDirectory } from '../helpers/run-cli.js';
import {
  type TestCa,
  type TestLeaf,
  type TestLog,
  createCa,
  createLog,
  issueLeaf,
  payloadFor,
  signBundle,
  signLegacy,
  trustedRoot,
  IDENTITY,
  ISSUER,
} from '../helpers/signing.js';

type TestContext = Parameters<typeof temporaryDirectory>[0];

const LOCATION = 'registry.example.com/acme/app';
const LATEST: Digest = `sha256:${'ab'.repeat(32)}`;
const OLDER: Digest = `sha256:${'cd'.repeat(32)}`;
const INDEX = 'application/vnd.oci.image.index.v1+json';
const SIGNED_AT = Date.UTC(2026, 5, 1, 12);
const LATEST_LOG_INDEX = 669;
const OLDER_LOG_INDEX = 700;

let ca: TestCa;
let log: TestLog;
let leaf: TestLeaf;
/** a CA the trusted root does not name, and a leaf it issued */
let strangerLeaf: TestLeaf;

before(async () => {
  ca = await createCa();
  log = createLog();
  leaf = await issueLeaf(ca, { subject: IDENTITY, issuer: ISSUER, notBefore: new Date(SIGNED_AT) });
  strangerLeaf = await issueLeaf(await createCa(), { subject: IDENTITY, issuer: ISSUER, notBefore: new Date(SIGNED_AT) });
});

function bundle(digest: Digest, logIndex: number, signer = leaf): SigstoreBundleRecord {
  return signBundle({ digest, leaf: signer, log, logIndex, integratedTime: SIGNED_AT / 1000 + 60 });
}

/** Two digests, `latest` and `1.0` on one, `0.9` on the other, each signed with its own bundle. */
function stateWith(latest: SignatureRecord[], older: SignatureRecord[] = [bundle(OLDER, OLDER_LOG_INDEX)]): ImageState {
  return {
    schemaVersion: 1,
    repository: LOCATION,
    tags: [
      { name: 'latest', digest: LATEST, mediaType: INDEX },
      { name: '1.0', digest: LATEST, mediaType: INDEX },
      { name: '0.9', digest: OLDER, mediaType: INDEX },
    ],
    images: {
      [LATEST]: {
        mediaType: INDEX,
        platforms: [
          { os: 'linux', architecture: 'amd64' },
          { os: 'linux', architecture: 'arm64' },
        ],
        signatures: latest,
      },
      [OLDER]: { mediaType: INDEX, platforms: [{ os: 'linux', architecture: 'amd64' }], signatures: older },
    },
  };
}

interface Repository {
  /** the repository's top */
  dir: string;
  /** where the config, state, trusted root and README are */
  imageDir: string;
}

/**
 * A repository with one image: its config (state, trusted root and `extra`
 * settings), the committed state and the README rendered from it by the CLI.
 */
function repository(t: TestContext, options: { state?: ImageState; extra?: string; subdir?: string; render?: boolean } = {}): Repository {
  const dir = temporaryDirectory(t);
  const imageDir = options.subdir ? path.join(dir, options.subdir) : dir;
  mkdirSync(imageDir, { recursive: true });
  writeFileSync(path.join(imageDir, 'state.json'), serializeState(options.state ?? stateWith([bundle(LATEST, LATEST_LOG_INDEX)])));
  writeFileSync(path.join(imageDir, 'trusted_root.json'), JSON.stringify(trustedRoot(ca, log)));
  writeFileSync(
    path.join(imageDir, 'readme-gen.yaml'),
    `name: app\nlocation: ${LOCATION}\nstate: state.json\ntrusted-root: trusted_root.json\n${options.extra ?? ''}`,
  );
  if (options.render ?? true) {
    const rendered = runCli(['render', '--write'], imageDir);
    assert.equal(rendered.status, 0, rendered.stderr);
  }
  return { dir, imageDir };
}

function readme(repo: Repository): string {
  return readFileSync(path.join(repo.imageDir, 'README.md'), 'utf8');
}

/** Replaces `from`, which must occur exactly once in the README. */
function editReadme(repo: Repository, from: string | RegExp, to: string): void {
  const text = readme(repo);
  const count =
    typeof from === 'string'
      ? text.split(from).length - 1
      : [...text.matchAll(new RegExp(from.source, `${from.flags.replace('g', '')}g`))].length;
  assert.equal(count, 1, `${String(from)} occurs once in the README`);
  const edited = text.replace(from, to);
  assert.notEqual(edited, text);
  writeFileSync(path.join(repo.imageDir, 'README.md'), edited);
}

function verify(cwd: string, ...args: string[]): CliRun {
  return runCli(['verify', ...(args.some((arg) => arg.endsWith('.md')) ? [] : ['README.md']), ...args], cwd);
}

function assertRejected(run: CliRun, pattern: RegExp): void {
  assert.equal(run.status, 4, `not rejected: ${run.stdout}${run.stderr}`);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /^readme-gen: README\.md[^\n]*\n$/, 'one line on stderr naming the README');
  assert.match(run.stderr, pattern);
}

describe('verify on a README rendered from Sigstore bundles', () => {
  test('is authentic against its committed state, and says so', (t) => {
    const repo = repository(t);

    const run = verify(repo.imageDir);

    assert.equal(run.status, 0, run.stderr);
    assert.equal(
      run.stdout,
      `README.md: authentic: ${LOCATION}:latest ${LATEST} signed by ${IDENTITY} (issuer ${ISSUER}), Rekor entry ${LATEST_LOG_INDEX}, as the committed state state.json renders it (readme-gen.yaml)\n`,
    );
    assert.equal(run.stderr, '');
  });

  test('--json says the proof was the committed state, and names the config and state', (t) => {
    const repo = repository(t);

    const run = verify(repo.imageDir, '--json');

    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), {
      authentic: true,
      readmes: [
        {
          file: 'README.md',
          authentic: true,
          proof: 'committed state',
          config: 'readme-gen.yaml',
          state: 'state.json',
          reference: `${LOCATION}:latest`,
          digest: LATEST,
          signers: [{ keyed: false, subject: IDENTITY, issuer: ISSUER }],
          logIndexes: [LATEST_LOG_INDEX],
          logEntries: [`Rekor entry ${LATEST_LOG_INDEX}`],
        },
      ],
    });
  });

  test('the distroless template: authentic too', (t) => {
    const repo = repository(t, {
      extra:
        'template: distroless\ndescription: An app.\nwording:\n  generator: https://github.com/acme/readme-tool\n  signed-images: Acme Images\n',
    });

    assert.match(readme(repo), /COSIGN_EXPERIMENTAL=1 cosign verify/);
    const run = verify(repo.imageDir);
    assert.equal(run.status, 0, run.stderr);

    editReadme(repo, `COSIGN_EXPERIMENTAL=1 cosign verify ${LOCATION}:latest`, `COSIGN_EXPERIMENTAL=1 cosign verify ${LOCATION}:edge`);
    assertRejected(
      verify(repo.imageDir),
      /the reference the printed `cosign verify` command names is registry\.example\.com\/acme\/app:edge; the committed state says registry\.example\.com\/acme\/app:latest$/m,
    );
  });

  /** Each hand edit of a claim: what is replaced, and how the message must name the claim. */
  const edits: { claim: string; from: (text: string) => string | RegExp; to: string; message: RegExp }[] = [
    {
      claim: 'a digest in the tags table',
      from: () => `| \`0.9\` | \`${OLDER}\``,
      to: `| \`0.9\` | \`sha256:${'ce'.repeat(32)}\``,
      message: new RegExp(
        `^readme-gen: README\\.md:\\d+: the digest of tag \`0\\.9\` is sha256:(ce){32}; the committed state says ${OLDER}\\n$`,
      ),
    },
    {
      claim: 'a tag moved to another row',
      from: () => `| \`latest\` \`1.0\` | \`${LATEST}\``,
      to: `| \`latest\` | \`${LATEST}\``,
      message: new RegExp(`: the digest of tag \`1\\.0\` is missing; the committed state says ${LATEST}\\n$`),
    },
    {
      claim: 'the log index and link of a row',
      from: () => `| [Rekor entry ${LATEST_LOG_INDEX}](https://search.sigstore.dev/?logIndex=${LATEST_LOG_INDEX}) |`,
      to: '| [Rekor entry 670](https://search.sigstore.dev/?logIndex=670) |',
      message: new RegExp(
        `: the log entry printed for ${LATEST} is \\[Rekor entry 670\\]\\(https://search\\.sigstore\\.dev/\\?logIndex=670\\); the committed state says \\[Rekor entry 669\\]\\(https://search\\.sigstore\\.dev/\\?logIndex=669\\)\\n$`,
      ),
    },
    {
      claim: 'the log link alone',
      from: () => `?logIndex=${OLDER_LOG_INDEX}) |\n`,
      to: '?logIndex=1) |\n',
      message: new RegExp(
        `: the log entry printed for ${OLDER} is \\[Rekor entry 700\\]\\(https://search\\.sigstore\\.dev/\\?logIndex=1\\); the committed state says `,
      ),
    },
    {
      claim: 'the digest of the pinned pull',
      from: () => `@${LATEST}\n`,
      to: `@${OLDER}\n`,
      message: new RegExp(
        `: the digest the printed \`docker pull\` command pins is ${LOCATION.replace(/[.]/g, '\\.')}@${OLDER}; the committed state says ${LOCATION.replace(/[.]/g, '\\.')}@${LATEST}\\n$`,
      ),
    },
    {
      claim: 'the Signed mark of a row in the tags table',
      from: () => `[✔](https://search.sigstore.dev/?logIndex=${OLDER_LOG_INDEX})`,
      to: '✔',
      message: new RegExp(
        `: the log entry printed for ${OLDER.slice(7, 19)} is ✔; the committed state says \\[✔\\]\\(https://search\\.sigstore\\.dev/\\?logIndex=${OLDER_LOG_INDEX}\\)\\n$`,
      ),
    },
    {
      claim: 'the platforms of a row',
      from: () => '`linux/amd64`<br/>`linux/arm64`',
      to: '`linux/amd64`',
      message: new RegExp(
        `: the "Platforms" column printed for ${LATEST} is \`linux/amd64\`; the committed state says \`linux/amd64\` \`linux/arm64\`\\n$`,
      ),
    },
    {
      claim: 'the printed type',
      from: () => '"type": "https://sigstore.dev/cosign/sign/v1"',
      to: '"type": "https://sigstore.dev/cosign/sign/v2"',
      message:
        /: the type of the printed claims is https:\/\/sigstore\.dev\/cosign\/sign\/v2; the committed state says https:\/\/sigstore\.dev\/cosign\/sign\/v1\n$/,
    },
    {
      claim: 'the printed digest',
      from: () => `"docker-manifest-digest": "${LATEST}"`,
      to: `"docker-manifest-digest": "${OLDER}"`,
      message: new RegExp(`: the digest of the printed claims is ${OLDER}; the committed state says ${LATEST}\\n$`),
    },
    {
      claim: 'the printed docker-reference',
      from: () => `"docker-reference": "${LOCATION}:latest"`,
      to: `"docker-reference": "${LOCATION}:1.0"`,
      message:
        /: the docker-reference of the printed claims is registry\.example\.com\/acme\/app:1\.0; the committed state says registry\.example\.com\/acme\/app:latest\n$/,
    },
    {
      claim: 'an annotation added to the printed claims',
      from: () => '"optional": {}',
      to: '"optional": {\n      "env": "prod"\n    }',
      message: /: the annotation "env" of the printed claims is prod; the committed state renders no such claim\n$/,
    },
    {
      claim: 'the signer identity in the text',
      from: () => `by \`${IDENTITY}\``,
      to: 'by `https://github.com/evil/app/.github/workflows/release.yaml@refs/heads/main`',
      message: new RegExp(
        `: the signer the text names is https://github\\.com/evil/app/\\.github/workflows/release\\.yaml@refs/heads/main; the committed state says ${IDENTITY.replace(/[.]/g, '\\.')}\\n$`,
      ),
    },
    {
      claim: "the signer's issuer in the text",
      from: () => `(issuer \`${ISSUER}\`)`,
      to: '(issuer `https://accounts.google.com`)',
      message:
        /: the signer's issuer the text names is https:\/\/accounts\.google\.com; the committed state says https:\/\/token\.actions\.githubusercontent\.com\n$/,
    },
    {
      claim: 'the identity in the printed cosign verify command',
      from: () => `--certificate-identity=${IDENTITY}`,
      to: "--certificate-identity-regexp='.*'",
      message: new RegExp(
        `: the --certificate-identity of the printed \`cosign verify\` command is missing; the committed state says ${IDENTITY.replace(/[.]/g, '\\.')}\\n$`,
      ),
    },
    {
      claim: 'a check cosign says it performed',
      from: () => '  - Existence of the claims in the transparency log was verified offline\n',
      to: '',
      message: /: the checks the printed `cosign verify` output says were performed is /,
    },
  ];

  for (const edit of edits) {
    test(`a hand edit of ${edit.claim} is exit 4 naming the claim`, (t) => {
      const repo = repository(t);
      editReadme(repo, edit.from(readme(repo)), edit.to);

      const run = verify(repo.imageDir);

      assertRejected(run, edit.message);
    });
  }

  test('--json names the claim that differs', (t) => {
    const repo = repository(t);
    editReadme(repo, `?logIndex=${LATEST_LOG_INDEX}) |\n`, '?logIndex=670) |\n');

    const run = verify(repo.imageDir, '--json');

    assert.equal(run.status, 4);
    const json = JSON.parse(run.stdout) as {
      authentic: boolean;
      readmes: { file: string; authentic: boolean; proof?: string; claim?: string; check?: string; message: string }[];
    };
    assert.equal(json.authentic, false);
    const [verdict] = json.readmes;
    assert.deepEqual(
      [verdict?.file, verdict?.authentic, verdict?.proof, verdict?.claim, verdict?.check],
      ['README.md', false, 'committed state', `the log entry printed for ${LATEST}`, undefined],
    );
    assert.match(verdict?.message ?? '', new RegExp(`^README\\.md:\\d+: the log entry printed for ${LATEST} is `));
  });

  test("text that is not a claim is not verify's business (render --check's)", (t) => {
    const repo = repository(t);
    editReadme(repo, 'and readme-gen verified the signature offline', 'and we checked it');

    assert.equal(verify(repo.imageDir).status, 0);
    assert.equal(runCli(['render', '--check'], repo.imageDir).status, 1);
  });
});

describe("verify checks the committed state's signatures", () => {
  test('a tampered signature in the state is exit 4 naming the check and the state', (t) => {
    const repo = repository(t);
    const file = path.join(repo.imageDir, 'state.json');
    const state = JSON.parse(readFileSync(file, 'utf8')) as ImageState;
    const record = state.images[LATEST]?.signatures[0] as SigstoreBundleRecord;
    const envelope = (record.bundle as { dsseEnvelope: { signatures: { sig: string }[] } }).dsseEnvelope;
    const signature = Buffer.from(envelope.signatures[0]?.sig ?? '', 'base64');
    signature[10] = (signature[10] ?? 0) ^ 1;
    (envelope.signatures[0] as { sig: string }).sig = signature.toString('base64');
    writeFileSync(file, serializeState(state));

    const run = verify(repo.imageDir);
    // The logged entry records the signature, so sigstore-js may find the mismatch there (e) before the signature itself (b).
    assertRejected(
      run,
      new RegExp(
        `^readme-gen: README\\.md: ${LATEST}: check \\([be]\\) (signature|log entry) failed: .*\\(in the committed state state\\.json\\)\\n$`,
      ),
    );

    const json = JSON.parse(verify(repo.imageDir, '--json').stdout) as { readmes: { check?: string; proof?: string }[] };
    assert.match(json.readmes[0]?.check ?? '', /^[be]$/);
    assert.equal(json.readmes[0]?.proof, 'committed state');
  });

  test('a state signed by a CA the trusted root does not name is exit 4 at check (c)', (t) => {
    const repo = repository(t, { render: false });
    // Rendered from an honest state, then the state swapped for one a stranger signed.
    assert.equal(runCli(['render', '--write'], repo.imageDir).status, 0);
    writeFileSync(path.join(repo.imageDir, 'state.json'), serializeState(stateWith([bundle(LATEST, LATEST_LOG_INDEX, strangerLeaf)])));

    assertRejected(
      verify(repo.imageDir),
      new RegExp(`^readme-gen: README\\.md: ${LATEST}: check \\(c\\) certificate failed: .*\\(in the committed state state\\.json\\)\\n$`),
    );
  });

  test("the identity policy from the flags (over the config's) applies to the state's signatures", (t) => {
    const repo = repository(t, { extra: `identity:\n  certificate-oidc-issuer: ${ISSUER}\n` });

    assert.equal(verify(repo.imageDir).status, 0);
    assertRejected(
      verify(repo.imageDir, '--certificate-identity', 'https://github.com/acme/other/.github/workflows/release.yaml@refs/heads/main'),
      /check identity policy failed: /,
    );
  });

  test('a state whose signatures changed since the README was rendered is exit 4 naming the claim', (t) => {
    const repo = repository(t);
    writeFileSync(path.join(repo.imageDir, 'state.json'), serializeState(stateWith([bundle(LATEST, 1234)])));

    assertRejected(
      verify(repo.imageDir),
      new RegExp(
        // The first claim that differs, in reading order: the tags table's ✔ links the log entry.
        `: the log entry printed for ${LATEST.slice(7, 19)} is \\[✔\\]\\(https://search\\.sigstore\\.dev/\\?logIndex=669\\); the committed state says \\[✔\\]\\(https://search\\.sigstore\\.dev/\\?logIndex=1234\\)`,
      ),
    );
  });
});

describe('finding the config and state of a README', () => {
  test('a README with no config found is exit 2, saying to pass --config; with --config it verifies', (t) => {
    const repo = repository(t);
    const elsewhere = temporaryDirectory(t);
    cpSync(path.join(repo.imageDir, 'README.md'), path.join(elsewhere, 'README.md'));

    const run = verify(elsewhere);

    assert.equal(run.status, 2, run.stderr);
    assert.equal(run.stdout, '');
    assert.match(
      run.stderr,
      /^readme-gen: README\.md: its printed claims \(a Sigstore bundle's\) carry no log proof, so verify checks them against the committed state, but no readme-gen\.yaml in \. renders README\.md; pass --config FILE naming the config it was rendered from\n$/,
    );

    const configured = verify(elsewhere, '--config', path.join(repo.imageDir, 'readme-gen.yaml'), '--allow-outside');
    assert.equal(configured.status, 0, configured.stderr);
    assert.match(configured.stdout, /authentic: .* as the committed state .*state\.json renders it/);
  });

  test('a config beside the README that renders another file is passed over: exit 2', (t) => {
    const repo = repository(t, { extra: 'output: OTHER.md\n', render: false });
    assert.equal(runCli(['render', '--write'], repo.imageDir).status, 0);
    cpSync(path.join(repo.imageDir, 'OTHER.md'), path.join(repo.imageDir, 'README.md'));

    const run = verify(repo.imageDir);

    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /no readme-gen\.yaml in \. renders README\.md; pass --config FILE/);
    assert.equal(verify(repo.imageDir, 'OTHER.md').status, 0);
  });

  test('in a git repository, the config above the README whose output it is, up to the repository root', (t) => {
    const repo = repository(t, { subdir: 'images/app', extra: 'output: docs/README.md\n', render: false });
    execFileSync('git', ['init', '-q'], { cwd: repo.dir });
    const docs = path.join(repo.imageDir, 'docs');
    mkdirSync(docs);
    assert.equal(runCli(['render', '--write'], repo.imageDir).status, 0);
    // A config nearer the README that renders something else does not stand in the way.
    writeFileSync(path.join(docs, 'readme-gen.yaml'), `name: other\nlocation: ${LOCATION}\noutput: OTHER.md\n`);

    const fromDocs = runCli(['verify', 'README.md', '--json'], docs);
    const fromTop = runCli(['verify', 'images/app/docs/README.md'], repo.dir);

    assert.equal(fromDocs.status, 0, fromDocs.stderr);
    const json = JSON.parse(fromDocs.stdout) as { readmes: { proof: string; config: string; state: string }[] };
    assert.deepEqual(
      [json.readmes[0]?.proof, json.readmes[0]?.config, json.readmes[0]?.state],
      ['committed state', '../readme-gen.yaml', '../state.json'],
    );
    assert.equal(fromTop.status, 0, fromTop.stderr);
    assert.match(fromTop.stdout, /^images\/app\/docs\/README\.md: authentic: /);
  });

  test('a config that names no state is exit 2, saying what to set', (t) => {
    const repo = repository(t);
    writeFileSync(path.join(repo.imageDir, 'readme-gen.yaml'), `name: app\nlocation: ${LOCATION}\ntrusted-root: trusted_root.json\n`);

    const run = verify(repo.imageDir);

    assert.equal(run.status, 2);
    assert.match(
      run.stderr,
      /^readme-gen: README\.md: .* but readme-gen\.yaml names no state: file; set state: in it, or pass --config FILE[^\n]*\n$/,
    );
  });

  test('a state that is not there is exit 2', (t) => {
    const repo = repository(t);
    writeFileSync(
      path.join(repo.imageDir, 'readme-gen.yaml'),
      `name: app\nlocation: ${LOCATION}\nstate: gone.json\ntrusted-root: trusted_root.json\n`,
    );

    const run = verify(repo.imageDir);

    assert.equal(run.status, 2);
    assert.match(
      run.stderr,
      /^readme-gen: README\.md: the committed state gone\.json that readme-gen\.yaml names does not exist; [^\n]*--config FILE[^\n]*\n$/,
    );
  });

  test('--all: each README against its own config and state', (t) => {
    const repo = repository(t, { subdir: 'app' });
    const run = runCli(['verify', '--all', '--json'], repo.dir);

    assert.equal(run.status, 0, run.stderr);
    const json = JSON.parse(run.stdout) as { readmes: { file: string; proof: string; state: string }[] };
    assert.deepEqual(
      json.readmes.map((entry) => [entry.file, entry.proof, entry.state]),
      [['app/README.md', 'committed state', 'app/state.json']],
    );
  });

  test('a README with its own text around the generated region: only the claims are compared', (t) => {
    const repo = repository(t, { render: false });
    // Its own table of digests comes first: it must not hide the generated one.
    const ownTable = `| Release | Digest |\n| --- | --- |\n| \`0.9\` | \`sha256:${'ef'.repeat(32)}\` |\n`;
    writeFileSync(
      path.join(repo.imageDir, 'README.md'),
      `# My app\n\nWritten by hand, signed by \`nobody\`.\n\n${ownTable}\n<!-- readme-gen:start -->\n<!-- readme-gen:end -->\n\nMore hand-written text.\n`,
    );
    assert.equal(runCli(['render', '--write'], repo.imageDir).status, 0);

    assert.equal(verify(repo.imageDir).status, 0);
    editReadme(repo, 'More hand-written text.', 'Edited by hand, as it may be.');
    assert.equal(verify(repo.imageDir).status, 0);
    editReadme(repo, `| \`0.9\` | \`${OLDER}\``, `| \`0.9\` | \`${LATEST}\``);
    assertRejected(
      verify(repo.imageDir),
      new RegExp(`: the digest of tag \`0\\.9\` \\(2nd\\) is ${LATEST}; the committed state says ${OLDER}\\n$`),
    );
  });
});

describe('verify --json names the proof for each layout', () => {
  test('a legacy README with a Bundle in its printed claims: self-contained, no config needed', (t) => {
    const legacy = signLegacy({
      payload: payloadFor(LATEST, LOCATION),
      privateKey: leaf.privateKey,
      certificatePem: leaf.pem,
      log: { log, logIndex: 4242, integratedTime: SIGNED_AT / 1000 + 60 },
    });
    const repo = repository(t, { state: stateWith([legacy], []) });
    const elsewhere = temporaryDirectory(t);
    for (const file of ['README.md', 'trusted_root.json']) cpSync(path.join(repo.imageDir, file), path.join(elsewhere, file));

    const run = verify(elsewhere, '--trusted-root', 'trusted_root.json', '--json');

    assert.equal(run.status, 0, run.stderr);
    const json = JSON.parse(run.stdout) as { readmes: Record<string, unknown>[] };
    assert.equal(json.readmes[0]?.proof, 'self-contained');
    assert.equal(json.readmes[0]?.config, undefined);
    assert.deepEqual([json.readmes[0]?.logIndexes, json.readmes[0]?.logEntries], [[4242], ['Rekor entry 4242']]);
  });
});
