import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Nodes } from 'mdast';
import { loadConfig } from '../../src/config/load-config.js';
import type { ResolvedConfig } from '../../src/config/readme-gen-config.js';
import { parseMarkdown, walk } from '../../src/markdown/parse-markdown.js';
import { digestsShown } from '../../src/markdown/table-digest.js';
import { packageFile } from '../../src/package-root.js';
import { checkTagsTable } from '../../src/render/check-tags-table.js';
import { primaryTagOf } from '../../src/render/primary-tag.js';
import { renderTemplate } from '../../src/render/render-template.js';
import { loadTemplateSet } from '../../src/render/template-set.js';
import { buildView } from '../../src/render/view-model.js';
import { GITHUB_WORKFLOW_EXTENSIONS } from '../../src/signatures/fulcio-certificate.js';
import { SignatureCheckError } from '../../src/signatures/signature-check-error.js';
import type { AttestationVerdict } from '../../src/attestations/attestation-facts.js';
import type { SignatureVerdict } from '../../src/signatures/verify-state.js';
import type { Digest, ImageState } from '../../src/state/image-state.js';
import { loadState } from '../../src/state/load-state.js';
import { type CannedResponse, type CountingProxy, type ProxiedRequest, startCountingProxy } from '../harness/counting-proxy.js';
import { type PushedImage, type PushedIndex, Pusher } from '../harness/push.js';
import { type RunningRegistry, startRegistry } from '../harness/registry-server.js';
import { type CliRun, runCli, runCliAsync } from '../helpers/run-cli.js';
import { type TestCa, type TestLog, createCa, createLog, issueLeaf, payloadFor, signLegacy, trustedRoot } from '../helpers/signing.js';

/**
 * Issue 6, scenario 2: hostile content, end to end. A registry readme-gen does
 * not control serves tag names outside the OCI pattern (only a lying registry
 * can: distribution refuses them on push, so the proxy adds them to the real
 * tag list), and images whose platforms, annotations, signature payloads and
 * signing certificates hold Markdown links, HTML, code fences, pipes, control
 * characters and a 1 MB string. Pushed to a real registry, snapshotted through
 * the proxy, rendered with both built-in templates and verified against a test
 * Sigstore: every value must come out inert.
 *
 * "Inert" is measured on the README's GFM syntax tree: the README of the
 * hostile image has exactly as many nodes of every type as the README of the
 * same layout signed with harmless values, every hostile value sits inside code
 * (or, in the one place the template prints it as prose, escaped text), and the
 * code holds the value itself, not a mangled copy.
 */

const SIGNED_AT = Date.UTC(2026, 5, 1, 12);
const INTEGRATED_TIME = SIGNED_AT / 1000 + 30;
const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
const WORKFLOW_OIDS = [
  '1.3.6.1.4.1.57264.1.2',
  '1.3.6.1.4.1.57264.1.3',
  '1.3.6.1.4.1.57264.1.4',
  '1.3.6.1.4.1.57264.1.5',
  '1.3.6.1.4.1.57264.1.6',
] as const;
const WORKFLOW_NAMES = [
  'githubWorkflowTrigger',
  'githubWorkflowSha',
  'githubWorkflowName',
  'githubWorkflowRepository',
  'githubWorkflowRef',
] as const;
const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/** Terminal controls: C0 but \n, DEL, C1 (U+009B is CSI on its own). */
const TERMINAL_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
const ESC = '\u001b';

/** Tag names a registry may list but the OCI spec does not allow. */
const HOSTILE_TAGS = [
  'a|b',
  '`x`',
  '<img src=x>',
  'new\nline',
  'e'.repeat(300),
  '[link](https://evil.example)',
  `${ESC}[2J${ESC}]0;evil${'\u0007'}`,
  'carriage\rreturn',
  'tàg',
];

/**
 * A value that tries everything at once: links (inline, bare, www), HTML,
 * closing a <details>, both fence lengths, a table row, a heading after a line
 * break, emphasis, terminal escapes (clear screen, window title, OSC 8
 * hyperlink), \r, NUL, DEL, C1 CSI and the Unicode line separators.
 */
const EVERYTHING = [
  '[click me](https://evil.example/link) https://evil.example/bare www.evil.example evil@evil.example',
  '<img src=x onerror=alert(1)><script>alert("evil")</script><!-- evil -->',
  '</details></code>',
  '```',
  '````',
  '| evil | row |',
  '| --- | --- |',
  '\r\n## evil heading\r',
  '*evil* _evil_ ~~evil~~ **evil**',
  `${ESC}[2J${ESC}[H${ESC}]0;evil title\u0007${ESC}]8;;https://evil.example/osc\u0007evil link${ESC}]8;;\u0007`,
  'nul\u0000del\u007fcsi\u009b31m sep\u2028para\u2029 tab\tevil',
].join('\n');

/** A little over 1 MiB of the same, with a four-backtick fence in every line. */
const UNIT = '```` [evil](https://evil.example) <b>|</b> \u001b[31m*x*\n';
const BIG = UNIT.repeat(Math.ceil(2 ** 20 / UNIT.length));

/** What one repository holds, clean or hostile: the same layout, different words. */
interface Values {
  repository: string;
  /** the second platform of the index */
  platform: { os: string; architecture: string; variant: string };
  /** the single-arch image's config architecture */
  singleArchitecture: string;
  annotations: Record<string, string>;
  labels: Record<string, string>;
  /** the workflow signer: a URI SAN, with extensions 1.2–1.6 */
  uri: string;
  workflow: [string, string, string, string, string];
  /** the person signer: an email SAN, with its own OIDC issuer */
  email: string;
  emailIssuer: string;
  optional: [string, string][];
}

const CLEAN: Values = {
  repository: 'acme/clean',
  platform: { os: 'linux', architecture: 'arm', variant: 'v7' },
  // Not the index's amd64: the README's architectures line then lists as many as with the hostile values.
  singleArchitecture: 's390x',
  annotations: { 'org.opencontainers.image.source': 'https://github.com/acme/app', 'org.opencontainers.image.description': 'An app.' },
  labels: { 'org.opencontainers.image.title': 'app' },
  uri: 'https://github.com/acme/app/.github/workflows/release.yaml@refs/heads/main',
  workflow: ['push', 'a1b2c3', 'Release', 'acme/app', 'refs/heads/main'],
  email: 'release@acme.example',
  emailIssuer: 'https://accounts.google.com',
  optional: [
    ['note', 'all good'],
    ['big', 'small'],
    ['key', 'value'],
  ],
};

/**
 * Certificate SANs with odd but legal characters: a GitHub branch may hold
 * quotes, `$`, parentheses, backticks and pipes (git forbids only spaces,
 * controls and ~^:?*[\), and an email's local part allows `|`, backticks,
 * braces, `'`, `*` and `_`. Both carry shell substitutions that would create a
 * file named pwned-… in the working directory if the verify command ran them.
 */
const HOSTILE: Values = {
  repository: 'acme/hostile',
  platform: { os: 'linux', architecture: 'evil|arch`<img src=x>`\n[l](https://evil.example)', variant: `\\|\`\`\`${ESC}[2J` },
  singleArchitecture: 'evil<b>|</b>\r\n| x |',
  annotations: { 'org.opencontainers.image.source': EVERYTHING, 'org.opencontainers.image.description': BIG },
  labels: { 'org.opencontainers.image.title': EVERYTHING },
  uri: "https://github.com/acme/app/.github/workflows/release.yaml@refs/heads/evil'$(touch$IFS'pwned-uri')&a=(https://evil.example/x);b=*_x_*!+,~",
  workflow: [
    '[click me](https://evil.example/link) <img src=x onerror=alert(1)> <script>alert("evil")</script>',
    '```\n## evil heading\n```\n````\n</details>\n<!-- evil -->',
    '| evil | row |\n| --- | --- |\r\n| a | b |',
    `${ESC}[2J${ESC}[H${ESC}]0;evil title\u0007${ESC}]8;;https://evil.example/osc\u0007click${ESC}]8;;\u0007`,
    'refs/heads/evil\u0000nul\u007fdel\u009bcsi\u2028sep\r\u0008\u0007\t<b>evil</b>',
  ],
  email: "evil`touch${IFS}pwned-email`|'${HOME}'*_x_*!#%&+/=?^~{a}@evil.example",
  // Extension 1.1 is a raw string like 1.2–1.6: whatever issuer the CA accepts, terminal escapes and \r
  // included. ASCII only: sigstore-js reads this extension as ASCII (high bits dropped), cosign as UTF-8.
  emailIssuer: `https://issuer.evil.example/'$(touch$IFS'pwned-issuer')\`id\`|<b>${ESC}[2J${ESC}]0;evil\u0007\r\u007f`,
  optional: [
    ['note', EVERYTHING],
    ['big', BIG],
    ['evil`|[key](https://evil.example)\n```', 'value'],
  ],
};

/** A repository as pushed, then snapshotted through the proxy into its own directory. */
interface Prepared {
  values: Values;
  index: PushedIndex;
  single: PushedImage;
  /** holds latest.yaml and single.yaml (one per primary tag), trusted_root.json and the state */
  dir: string;
  snapshot: CliRun;
  /** what the snapshot asked through the proxy */
  requests: ProxiedRequest[];
}

/** The docker-reference signed into payloads: any text does, the README prints it as signed. */
const SIGNED_REFERENCE_HOST = 'registry.example';

let registry: RunningRegistry;
let proxy: CountingProxy;
let ca: TestCa;
let log: TestLog;
let clean: Prepared;
let hostile: Prepared;
const directories: string[] = [];

before(async () => {
  registry = await startRegistry();
  proxy = await startCountingProxy(registry.url, { intercept: lyingTagList });
  ca = await createCa();
  log = createLog();
  clean = await prepare(CLEAN);
  hostile = await prepare(HOSTILE);
});

after(async () => {
  await proxy?.stop();
  await registry?.stop();
  for (const dir of directories) rmSync(dir, { recursive: true, force: true });
});

/** The hostile repository's tag list: the registry's own, plus names it would never have stored. */
async function lyingTagList(request: { method: string; path: string }): Promise<CannedResponse | undefined> {
  if (request.method !== 'GET' || !request.path.startsWith(`/v2/${HOSTILE.repository}/tags/list`)) return undefined;
  const real = await fetch(`${registry.url}${request.path}`);
  const list = (await real.json()) as { name: string; tags: string[] };
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...list, tags: [...list.tags, ...HOSTILE_TAGS] }),
  };
}

async function prepare(values: Values): Promise<Prepared> {
  const pusher = new Pusher({ registryUrl: registry.url, repository: values.repository });
  const index = await pusher.pushIndex({
    tag: 'latest',
    annotations: values.annotations,
    images: [{ platform: { os: 'linux', architecture: 'amd64' } }, { platform: values.platform }],
  });
  await pusher.tag('1.0', index.digest);
  const single = await pusher.pushImage({
    tag: 'single',
    platform: { os: 'linux', architecture: values.singleArchitecture },
    labels: values.labels,
  });

  const notBefore = new Date(SIGNED_AT);
  const rawExtensions = WORKFLOW_OIDS.map((oid, i) => ({ oid, value: values.workflow[i] as string }));
  const workflowLeaf = await issueLeaf(ca, { subject: values.uri, issuer: GITHUB_ISSUER, notBefore, rawExtensions });
  const personLeaf = await issueLeaf(ca, { subject: values.email, sanType: 'email', issuer: values.emailIssuer, notBefore });
  const reference = `${SIGNED_REFERENCE_HOST}/${values.repository}`;
  await pusher.pushCosignSignature(index.digest, [
    signLegacy({
      payload: payloadFor(index.digest, reference, values.optional),
      privateKey: workflowLeaf.privateKey,
      certificatePem: workflowLeaf.pem,
      log: { log, logIndex: 7, integratedTime: INTEGRATED_TIME },
    }),
  ]);
  await pusher.pushCosignSignature(single.digest, [
    signLegacy({
      payload: payloadFor(single.digest, reference, values.optional.slice(0, 1)),
      privateKey: personLeaf.privateKey,
      certificatePem: personLeaf.pem,
      log: { log, logIndex: 8, integratedTime: INTEGRATED_TIME },
    }),
  ]);

  const dir = mkdtempSync(path.join(os.tmpdir(), 'readme-gen-hostile-'));
  directories.push(dir);
  for (const primary of ['latest', 'single']) {
    writeFileSync(
      path.join(dir, `${primary}.yaml`),
      [
        'name: app',
        `location: ${proxy.host}/${values.repository}`,
        'state: state.json',
        `primary-tag: ${primary}`,
        'repo: https://github.com/acme/app',
        'description: An app.',
        'wording:',
        '  generator: https://example.com/gen',
        '  signed-images: Acme images',
        '',
      ].join('\n'),
    );
  }
  writeFileSync(path.join(dir, 'trusted_root.json'), JSON.stringify(trustedRoot(ca, log)));
  proxy.reset();
  // The test CA's root, pinned: no TUF refresh of the public-good one.
  const snapshot = await runCliAsync(
    ['snapshot', '--config', 'latest.yaml', '--cache-dir', path.join(dir, 'cache'), '--trusted-root', 'trusted_root.json'],
    dir,
  );
  return { values, index, single, dir, snapshot, requests: [...proxy.requests] };
}

// ---------------------------------------------------------------------------
// Running readme-gen

interface RenderCase {
  name: string;
  template: 'default' | 'distroless';
  primary: 'latest' | 'single';
  /** a policy the signer is outside of, with --allow-unverified: the failure is printed as prose */
  mismatch?: boolean;
}

const RENDERS: RenderCase[] = [
  { name: 'default template, primary tag signed by a workflow (URI SAN)', template: 'default', primary: 'latest' },
  { name: 'default template, primary tag signed by a person (email SAN)', template: 'default', primary: 'single' },
  { name: 'distroless template with wording', template: 'distroless', primary: 'latest' },
  { name: 'distroless template, email signer', template: 'distroless', primary: 'single' },
  {
    name: 'default template, workflow signer outside the policy (--allow-unverified)',
    template: 'default',
    primary: 'latest',
    mismatch: true,
  },
  {
    name: 'default template, email signer outside the policy (--allow-unverified)',
    template: 'default',
    primary: 'single',
    mismatch: true,
  },
];

const OTHER_IDENTITY = 'https://github.com/acme/other/.github/workflows/release.yaml@refs/heads/main';

/** runCli with room for a README over 1 MB on stdout (spawnSync's default buffer is 1 MiB). */
function render(dir: string, which: RenderCase): CliRun {
  const policy = which.mismatch ? ['--certificate-identity', OTHER_IDENTITY, '--allow-unverified'] : [];
  const args = [
    'render',
    '--config',
    `${which.primary}.yaml`,
    '--template',
    which.template,
    '--trusted-root',
    'trusted_root.json',
    ...policy,
  ];
  return runCli(args, dir, {}, { maxBuffer: 64 * 2 ** 20 });
}

// ---------------------------------------------------------------------------
// Reading the README

/** Each control character in `text`, with a little context: what a failure shows. */
function controls(text: string): string[] {
  const found = [...text.matchAll(new RegExp(TERMINAL_CONTROL.source, 'g'))];
  return found.slice(0, 5).map((match) => JSON.stringify(text.slice(Math.max(0, match.index - 30), match.index + 10)));
}

let parsed: { markdown: string; nodes: Nodes[] } | undefined;

/** Every node of the README's syntax tree; the last README's tree is kept, as each check reads it again. */
function nodes(markdown: string): Nodes[] {
  if (parsed?.markdown !== markdown) parsed = { markdown, nodes: [...walk(parseMarkdown(markdown))] };
  return parsed.nodes;
}

/** How many nodes of each type: what "the structure the template defines" comes to. */
function structure(markdown: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const node of nodes(markdown)) counts[node.type] = (counts[node.type] ?? 0) + 1;
  return counts;
}

/** Every place outside code where text of the README is shown or followed. */
function outsideCode(markdown: string): { type: string; text: string }[] {
  return nodes(markdown).flatMap((node) => {
    const found: { type: string; text: string }[] = [];
    if ((node.type === 'text' || node.type === 'html') && 'value' in node) found.push({ type: node.type, text: node.value });
    if ('url' in node) found.push({ type: `${node.type} url`, text: node.url });
    if ('title' in node && typeof node.title === 'string') found.push({ type: `${node.type} title`, text: node.title });
    return found;
  });
}

function codeBlocks(markdown: string): { lang: string | null | undefined; value: string }[] {
  return nodes(markdown).flatMap((node) => (node.type === 'code' ? [{ lang: node.lang, value: node.value }] : []));
}

function inlineCodes(node: Nodes): string[] {
  return [...walk(node)].flatMap((child) => (child.type === 'inlineCode' ? [child.value] : []));
}

/** What inline code shows of a value: controls (line endings included) become U+FFFD, as the escaper makes them. */
function visible(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '\uFFFD');
}

/**
 * What a table cell's inline code shows of a value: as `visible`, and a
 * backslash right before a pipe doubled (GFM cannot show `\|` in a cell, and
 * the escaper must not let it end the cell).
 */
function inCell(value: string): string {
  return visible(value).replace(/(\\*)\|/g, (_, backslashes: string) => `${backslashes}${backslashes}|`);
}

/** The rows of the README's one table of full digests (header row left out): the tags table `verify` reads. */
function tableRows(markdown: string): Nodes[][] {
  const tables = nodes(markdown).filter((node) => node.type === 'table' && digestsShown(node).length > 0);
  assert.equal(tables.length, 1, 'one table of full digests');
  const [table] = tables;
  assert.ok(table?.type === 'table');
  return table.children.slice(1).map((row) => row.children);
}

/** The JSON array of a `cosign verify | jq` block, after cosign's stderr header lines. */
function cosignClaims(block: string): { critical: unknown; optional: Record<string, unknown> | null }[] {
  const start = block.indexOf('\n[');
  assert.ok(start > 0, 'the cosign output has its JSON array');
  return JSON.parse(block.slice(start + 1)) as { critical: unknown; optional: Record<string, unknown> | null }[];
}

/**
 * Whether a Go (RE2) pattern, as cosign compiles it, matches `value` and no
 * longer or shorter string: tried with JavaScript's engine, `\x{hh}` spelled
 * as JavaScript spells it.
 */
function matchesExactly(pattern: string, value: string): boolean {
  const regexp = new RegExp(pattern.replace(/\\x\{([0-9a-fA-F]+)\}/g, '\\u{$1}'), 'u');
  return regexp.test(value) && !regexp.test(`${value}x`) && !regexp.test(`x${value}`) && !regexp.test(value.slice(1));
}

/**
 * Runs the README's verify command with `cosign` replaced by a function that
 * prints its arguments: what the shell would pass cosign, and nothing else.
 */
function shellArguments(command: string, cwd: string): string[] {
  const run = spawnSync('sh', ['-c', `cosign() { printf '%s\\0' "$@"; }\n${command}`], { cwd, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout.split('\0').slice(0, -1);
}

// ---------------------------------------------------------------------------

describe('hostile content, pushed to a real registry and served through a lying proxy', () => {
  describe('tag names outside the OCI pattern', () => {
    test('snapshot skips each with one printable warning, and asks the registry nothing about them', () => {
      const { snapshot, dir, requests } = hostile;
      assert.equal(snapshot.status, 0, snapshot.stderr);
      assert.ok(!snapshot.stderr.includes(ESC), 'no ESC on stderr');
      assert.doesNotMatch(snapshot.stderr, TERMINAL_CONTROL, 'no control character reaches the terminal raw');

      const warnings = snapshot.stderr.split('\n').filter((line) => line.includes('is not a valid OCI tag name'));
      assert.equal(warnings.length, HOSTILE_TAGS.length, snapshot.stderr);
      const named = warnings.map((line) => {
        const quoted = /^readme-gen: warning: tag (".*") is not a valid OCI tag name; skipped$/.exec(line)?.[1];
        assert.ok(quoted, `one whole line per name: ${line}`);
        return JSON.parse(quoted) as string;
      });
      const shown = (name: string) => (name.length > 80 ? `${name.slice(0, 80)}…` : name);
      assert.deepEqual([...named].sort(), HOSTILE_TAGS.map(shown).sort(), 'each name once, as itself (a long one cut short)');
      assert.ok(!snapshot.stderr.includes('e'.repeat(81)), 'a 300-character name is not printed whole');

      const state = JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8')) as ImageState;
      assert.deepEqual(
        state.tags.map((tag) => tag.name),
        ['1.0', 'latest', 'single'],
        'the state holds the valid tags only',
      );
      const manifests = `/v2/${HOSTILE.repository}/manifests/`;
      const asked = requests.filter((request) => request.path.startsWith(manifests));
      assert.ok(asked.length > 0, 'the proxy saw the snapshot');
      for (const request of asked) {
        const reference = decodeURIComponent(request.path.slice(manifests.length));
        assert.ok(
          TAG_PATTERN.test(reference) || /^sha256:[0-9a-f]{64}$/.test(reference),
          `only valid references are asked for: ${request.path}`,
        );
      }
    });

    test('the README rows are exactly the valid tags, in both templates', () => {
      for (const template of ['default', 'distroless'] as const) {
        const run = render(hostile.dir, { name: template, template, primary: 'latest' });
        assert.equal(run.status, 0, run.stderr);
        const rows = tableRows(run.stdout).map((cells) => [inlineCodes(cells[1] as Nodes)[0], inlineCodes(cells[0] as Nodes).sort()]);
        assert.deepEqual(
          rows.sort(),
          [
            [hostile.index.digest, ['1.0', 'latest']],
            [hostile.single.digest, ['single']],
          ].sort(),
          template,
        );
      }
    });
  });

  describe('annotations, platforms, payloads and certificate fields', () => {
    test('the state keeps every value as the registry gave it, the 1 MB ones included', () => {
      const { dir, snapshot, index, single } = hostile;
      assert.equal(snapshot.status, 0, snapshot.stderr);
      const state = JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8')) as ImageState;
      assert.deepEqual(state.images[index.digest]?.annotations, HOSTILE.annotations);
      assert.equal(state.images[index.digest]?.platforms[1]?.architecture, HOSTILE.platform.architecture);
      assert.equal(state.images[index.digest]?.platforms[1]?.variant, HOSTILE.platform.variant);
      assert.deepEqual(state.images[single.digest]?.labels, HOSTILE.labels);
      assert.equal(state.images[single.digest]?.platforms[0]?.architecture, HOSTILE.singleArchitecture);
      assert.equal(state.images[index.digest]?.signatures.length, 1);
      assert.equal(state.images[single.digest]?.signatures.length, 1);
    });

    test('a signer outside the policy fails the render (exit 4) with a printable message', () => {
      const run = runCli(
        [
          'render',
          '--config',
          'single.yaml',
          '--trusted-root',
          'trusted_root.json',
          '--certificate-oidc-issuer-regexp',
          '^https://token\\.actions\\.githubusercontent\\.com$',
        ],
        hostile.dir,
      );
      assert.equal(run.status, 4, run.stderr);
      assert.equal(run.stdout, '');
      assert.match(
        run.stderr,
        new RegExp(`^readme-gen: ${hostile.single.digest}: check identity policy failed: issuer https://issuer\\.evil\\.example/`),
      );
      assert.deepEqual(controls(run.stderr), [], 'the issuer it names reaches the terminal without its escapes');
      assert.equal(run.stderr.split('\n').length, 2, 'one line');
    });

    for (const which of RENDERS) {
      test(which.name, () => {
        assert.equal(clean.snapshot.status, 0, clean.snapshot.stderr);
        const before = render(clean.dir, which);
        const run = render(hostile.dir, which);
        assert.equal(before.status, 0, before.stderr);
        assert.equal(run.status, 0, run.stderr);
        const readme = run.stdout;

        // Nothing raw on the terminal: the README is printed to stdout.
        assert.ok(!readme.includes(ESC) && !run.stderr.includes(ESC), 'no ESC on stdout or stderr');
        assert.deepEqual(controls(readme), [], 'no control character on stdout');
        assert.deepEqual(controls(run.stderr), [], 'no control character on stderr');

        // The structure the template defines, node for node.
        assert.deepEqual(structure(readme), structure(before.stdout), 'same number of nodes of every type as the clean README');

        // Nothing hostile outside code, except the failure message printed as text on purpose.
        for (const place of outsideCode(readme)) {
          if (which.mismatch && place.type === 'text' && place.text.replaceAll('\u2060', '').includes('failed: signed by')) continue;
          assert.doesNotMatch(
            place.text,
            /evil|pwned|onerror|<script/i,
            `${place.type} outside code: ${JSON.stringify(place.text.slice(0, 200))}`,
          );
        }

        const values = HOSTILE;
        const { index, single } = hostile;
        const signer = which.primary === 'latest' ? values.uri : values.email;
        const issuer = which.primary === 'latest' ? GITHUB_ISSUER : values.emailIssuer;

        // Table cells: platforms in inline code, one span each, shown as they are (controls made visible).
        const rows = tableRows(readme);
        assert.equal(rows.length, 2);
        const cellCodes = rows.flatMap((cells) => cells.flatMap((cell) => inlineCodes(cell)));
        if (which.template === 'default') {
          assert.ok(
            cellCodes.includes(inCell(`linux/${values.platform.architecture}/${values.platform.variant}`)),
            `the hostile platform, whole, in one code span: ${JSON.stringify(cellCodes)}`,
          );
          assert.ok(cellCodes.includes(inCell(`linux/${values.singleArchitecture}`)));
        } else {
          assert.ok(
            cellCodes.includes(inCell(values.platform.architecture + values.platform.variant)),
            `the hostile architecture, whole, in one code span: ${JSON.stringify(cellCodes)}`,
          );
          assert.ok(cellCodes.includes(inCell(values.singleArchitecture)));
        }

        if (which.mismatch) {
          // The failure is prose: escaped text, no link, no code, the signer named as it is.
          const warning = nodes(readme).find((node) => node.type === 'blockquote');
          assert.ok(warning, 'the unverified warning');
          assert.deepEqual(
            [...walk(warning)].map((node) => node.type),
            ['blockquote', 'paragraph', 'strong', 'text', 'text', 'inlineCode', 'text'],
            'the warning is bold, text, the reference in code and text: nothing more',
          );
          const text = [...walk(warning)]
            .flatMap((node) => (node.type === 'text' ? [node.value] : []))
            .join('')
            .replaceAll('\u2060', '');
          assert.ok(text.includes(`signed by ${signer}, expected ${OTHER_IDENTITY}`), text);
          assert.ok(
            codeBlocks(readme).every((block) => !/evil/.test(block.value)),
            'no signing data of an unverified signature',
          );
          return;
        }

        // The cosign output: one fenced block, holding every value exactly (as JSON).
        const outputs = codeBlocks(readme).filter((block) => block.value.startsWith('Verification for '));
        assert.equal(outputs.length, 1, 'one cosign output block');
        const [claims] = cosignClaims(outputs[0]?.value ?? '');
        const optional = claims?.optional ?? {};
        if (which.primary === 'latest') {
          for (const [key, value] of values.optional) assert.equal(optional[key], value, `optional ${JSON.stringify(key.slice(0, 40))}`);
          WORKFLOW_OIDS.forEach((oid, i) => assert.equal(optional[oid], values.workflow[i], oid));
          WORKFLOW_NAMES.forEach((name, i) => assert.equal(optional[name], values.workflow[i], name));
        } else {
          assert.equal(optional.note, EVERYTHING);
        }
        assert.equal(optional.Subject, signer);
        assert.equal(optional.Issuer, issuer);
        assert.equal(optional['1.3.6.1.4.1.57264.1.1'], issuer);
        assert.deepEqual(claims?.critical, {
          identity: { 'docker-reference': `${SIGNED_REFERENCE_HOST}/${values.repository}` },
          image: { 'docker-manifest-digest': which.primary === 'latest' ? index.digest : single.digest },
          type: 'cosign container image signature',
        });

        // The 1 MB value: once, escaped as JSON, and the README no bigger than that needs.
        const growth = Buffer.byteLength(readme) - Buffer.byteLength(before.stdout);
        const escapedBig = JSON.stringify(BIG);
        if (which.primary === 'latest') {
          const at = readme.indexOf(escapedBig);
          assert.ok(at > 0 && readme.lastIndexOf(escapedBig) === at, 'the 1 MB value appears once, as a JSON string');
          assert.ok(outputs[0]?.value.includes(escapedBig), 'inside the cosign output block');
          assert.ok(
            growth > BIG.length && growth < escapedBig.length + 64 * 1024,
            `README grew by ${growth} bytes for a ${BIG.length}-character value`,
          );
        } else {
          assert.ok(growth < 64 * 1024, `README grew by ${growth} bytes`);
        }

        if (which.template === 'distroless') return;

        // The signer in prose: inline code, shown exactly as the certificate has it.
        const paragraphs = nodes(readme).filter((node) => node.type === 'paragraph');
        const signing = paragraphs.find((node) => inlineCodes(node).includes(signer));
        assert.ok(
          signing,
          `the signer, exactly, in inline code; the code spans: ${JSON.stringify(paragraphs.map(inlineCodes).filter((codes) => codes.length > 1))}`,
        );
        assert.deepEqual(inlineCodes(signing).slice(1), [signer, visible(issuer)], 'identity and issuer, each one code span');

        // The verify command: one sh block that gives cosign the identity and issuer as single words, and runs nothing else.
        const commands = codeBlocks(readme).filter((block) => block.lang === 'sh' && block.value.startsWith('cosign verify'));
        assert.equal(commands.length, 1);
        const argv = shellArguments(commands[0]?.value ?? '', hostile.dir);
        assert.equal(argv.length, 4, JSON.stringify(argv));
        assert.deepEqual(
          [argv[0], argv[1], argv[3]],
          ['verify', `--certificate-identity=${signer}`, `${proxy.host}/${values.repository}:${which.primary}`],
        );
        if (!/[\u0000-\u001f\u007f-\u009f]/.test(issuer)) {
          assert.equal(argv[2], `--certificate-oidc-issuer=${issuer}`);
        } else {
          // No sh word in a README can hold a \r (Markdown turns it into a line end) or show an ESC safely: cosign is given an exact pattern instead.
          const pattern = /^--certificate-oidc-issuer-regexp=(.*)$/s.exec(argv[2] ?? '')?.[1];
          assert.ok(pattern !== undefined, argv[2]);
          assert.deepEqual(controls(pattern), [], 'the pattern is printable');
          assert.ok(matchesExactly(pattern, issuer), `${pattern} matches the issuer, and nothing else`);
        }
        for (const canary of ['pwned-uri', 'pwned-email', 'pwned-issuer'])
          assert.ok(!existsSync(path.join(hostile.dir, canary)), `${canary}: the command ran nothing`);
      });
    }
  });
});

/**
 * The end-to-end values above were chosen by hand. Here a seeded generator
 * looks for a value that defeats an escaper: strings of the characters and
 * sequences each escaper must neutralise, put at once in every place a
 * registry or a certificate reaches — a platform (a table cell: `code`,
 * `codeList`), the signer and issuer (prose inline code, and the sh block's
 * verify command), an annotation and a workflow extension (the fenced cosign
 * output) and the failure message (escaped prose). Rendered through the real
 * view model and templates, in-process since there are thousands; the
 * signature verdicts are stubbed, verification being what the tests above
 * cover. Each README must have its clean twin's structure and show each value
 * whole where it belongs. A failure names the seed and value to replay.
 */
describe('no generated value defeats an escaper', () => {
  const TOKENS = [
    '|',
    '\\',
    '\\|',
    '\\\\',
    '`',
    '``',
    '```',
    '````',
    '~~~',
    '\n',
    '\r',
    '\r\n',
    '\n\n',
    '<',
    '>',
    '<!--',
    '-->',
    '</details>',
    '<br/>',
    '[',
    ']',
    '(',
    ')',
    '![',
    '](',
    'https://e.vil/',
    'www.e.vil',
    'a@e.vil',
    '*',
    '**',
    '_',
    '~',
    '#',
    '- ',
    '---',
    '===',
    '> ',
    '1. ',
    ' ',
    '  ',
    '    ',
    '\t',
    ':',
    '&amp;',
    '&#124;',
    '&#96;',
    "'",
    '"',
    '$(',
    '${',
    '`id`',
    ';',
    '\\n',
    ESC,
    `${ESC}[2J`,
    '\u0007',
    '\u0000',
    '\u007f',
    '\u009b',
    '\u2028',
    '\u2029',
    '\u00a0',
    '\u2060',
    'a',
    'x',
    '0',
  ];
  const COUNT = 250;
  const SEED = 0x6e657669;

  /** mulberry32: small, seeded, the same sequence on every run. */
  function random(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  const next = random(SEED);
  const values = Array.from({ length: COUNT }, () => {
    const length = 1 + Math.floor(next() * 14);
    return Array.from({ length }, () => TOKENS[Math.floor(next() * TOKENS.length)] as string).join('');
  });

  const dir = packageFile('fixtures', 'multi-arch');
  const base = loadConfig({ cwd: dir });
  assert.ok(base.statePath);
  const state = loadState(base.statePath, dir);
  const latest = state.tags.find((tag) => tag.name === 'latest')?.digest as Digest;
  const edge = state.tags.find((tag) => tag.name === 'edge')?.digest as Digest;
  const reference = `${base.location}:${primaryTagOf(base, state)}`;
  const templates = { default: loadTemplateSet('default'), distroless: loadTemplateSet('distroless') };

  /** The fixture with `value` in a platform of two rows, and a verdict for the primary digest signed (or failed) by `value`. */
  function readme(template: 'default' | 'distroless', value: string, failed: boolean): string {
    const copy = structuredClone(state);
    const latestImage = copy.images[latest];
    const edgeImage = copy.images[edge];
    assert.ok(latestImage?.platforms[2] && edgeImage?.platforms[0]);
    latestImage.platforms[2].variant = value;
    edgeImage.platforms[0].architecture = value;
    const verdict: SignatureVerdict = failed
      ? { verified: false, failure: new SignatureCheckError(latest, 'policy', `signed by ${value}, expected someone else`) }
      : {
          verified: true,
          signer: { keyed: false, subject: value, issuer: value },
          logEntry: { logIndex: 1, searchable: true },
          signature: {
            format: 'cosign',
            cosign: {
              payload: payloadFor(latest, reference, [['note', value]]),
              payloadBytes: Buffer.alloc(0),
              signature: '',
              // A keyless signature verifies only with its log entry (check d), so a verified one always has a bundle.
              bundle: { signedEntryTimestamp: '', payload: { body: '', integratedTime: 0, logIndex: 1, logID: '0'.repeat(64) } },
              certificate: {
                pem: '',
                identity: {
                  subject: value,
                  issuer: value,
                  githubWorkflow: GITHUB_WORKFLOW_EXTENSIONS.map(({ oid, name }) => ({ oid, name, value })),
                  issuerName: Buffer.alloc(0),
                },
              },
            },
          },
        };
    const config: ResolvedConfig = { ...base, template, wording: { generator: 'https://example.com/gen', signedImages: 'Acme images' } };
    const view = buildView(config, copy, new Map([[latest, [verdict]]]));
    const markdown = renderTemplate(templates[template], view);
    checkTagsTable(markdown, view.rows, templates[template]);
    return markdown;
  }

  const CASES = [
    { template: 'default', failed: false },
    { template: 'distroless', failed: false },
    { template: 'default', failed: true },
  ] as const;

  for (const { template, failed } of CASES) {
    test(`${COUNT} values, ${template} template, signature ${failed ? 'failed (the value in prose)' : 'verified'}`, () => {
      const twin = structure(readme(template, 'x', failed));
      const commands: string[] = [];
      for (const [index, value] of values.entries()) {
        const label = `seed ${SEED}, value ${index}: ${JSON.stringify(value)}`;
        const markdown = readme(template, value, failed);
        assert.deepEqual(controls(markdown), [], `${label}: no control character`);
        assert.deepEqual(structure(markdown), twin, `${label}: the structure of the clean README`);

        const cells = tableRows(markdown).flatMap((cells) => cells.flatMap((cell) => inlineCodes(cell)));
        const platform = template === 'default' ? `linux/arm/${value}` : `arm${value}`;
        assert.ok(cells.includes(inCell(platform)), `${label}: the platform whole in one cell's code span: ${JSON.stringify(cells)}`);

        if (failed) {
          const text = nodes(markdown)
            .flatMap((node) => (node.type === 'blockquote' ? [...walk(node)] : []))
            .flatMap((node) => (node.type === 'text' ? [node.value] : []))
            .join('');
          const shown = text.replaceAll('\u2060', '');
          assert.ok(
            shown.includes(
              `signed by ${value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ').replaceAll('\u2060', '')}, expected`,
            ),
            `${label}: the failure as text: ${JSON.stringify(shown)}`,
          );
          continue;
        }

        const outputs = codeBlocks(markdown).filter((block) => block.value.startsWith('Verification for '));
        assert.equal(outputs.length, 1, `${label}: one cosign output block`);
        const optional = cosignClaims(outputs[0]?.value ?? '')[0]?.optional ?? {};
        assert.equal(optional.note, value, `${label}: the annotation exactly`);
        assert.equal(optional.Subject, value, `${label}: the signer exactly`);
        assert.equal(optional.githubWorkflowName, value, `${label}: the workflow name exactly`);
        if (template === 'distroless') continue;

        const prose = nodes(markdown)
          .filter((node) => node.type === 'paragraph')
          .flatMap(inlineCodes);
        assert.ok(
          prose.filter((code) => code === visible(value)).length >= 2,
          `${label}: signer and issuer in prose code: ${JSON.stringify(prose)}`,
        );
        const command = codeBlocks(markdown).filter((block) => block.lang === 'sh' && block.value.startsWith('cosign verify'));
        assert.equal(command.length, 1, `${label}: one verify command`);
        commands.push(command[0]?.value ?? '');
      }

      if (commands.length === 0) return;
      // Every verify command in one shell: cosign stubbed to print its arguments, a record separator between commands.
      const run = spawnSync(
        'sh',
        ['-c', `cosign() { printf '%s\\0' "$@"; }\n${commands.map((command) => `printf '\\036'\n${command}`).join('\n')}`],
        { encoding: 'utf8' },
      );
      assert.equal(run.status, 0, run.stderr);
      const argvs = run.stdout
        .split('\u001e')
        .slice(1)
        .map((record) => record.split('\0').slice(0, -1));
      assert.equal(argvs.length, values.length, 'each command ran once, none swallowed another');
      for (const [index, argv] of argvs.entries()) {
        const value = values[index] as string;
        const label = `seed ${SEED}, value ${index}: ${JSON.stringify(value)}`;
        assert.equal(argv.length, 4, `${label}: ${JSON.stringify(argv)}`);
        assert.equal(argv[3], reference, label);
        for (const [position, name] of [
          [1, 'certificate-identity'],
          [2, 'certificate-oidc-issuer'],
        ] as const) {
          const word = argv[position] ?? '';
          if (word.startsWith(`--${name}=`)) {
            assert.equal(word, `--${name}=${value}`, label);
          } else {
            const pattern = word.slice(`--${name}-regexp=`.length);
            assert.ok(word.startsWith(`--${name}-regexp=`) && matchesExactly(pattern, value), `${label}: ${JSON.stringify(word)}`);
          }
        }
      }
    });
  }

  /** Named hostile values, and every generated one: a statement is whatever its builder wrote. */
  const PROVENANCE_VALUES = [
    '**bold** _em_ [link](https://evil.example) https://evil.example/bare www.evil.example',
    '<img src=x onerror=alert(1)><script>alert(1)</script></details><!--',
    '| injected | row |\n## Injected heading\n```\n~~~',
    `${ESC}[2J${ESC}]0;evil\u0007\u009b\r\n\u2028`,
    '`code` ``x`` ```',
    `https://github.com/acme/app/commit/${'0'.repeat(40)}) [x](y`,
    'v'.repeat(10_000),
    ...values,
  ];

  /** Every string fact of a signed provenance and SBOM holds `value`; times are left valid, as the view drops one that is no date. */
  function provenanceReadme(template: 'default' | 'distroless', value: string): string {
    const signing = {
      signed: true,
      signer: { keyed: false, subject: value, issuer: value },
      logEntry: { logIndex: 1, searchable: true },
    } as const;
    const common = { subject: latest, form: 'sigstore-bundle', manifestDigest: latest, signing } as const;
    const verdicts: AttestationVerdict[] = [
      {
        verified: true,
        facts: {
          ...common,
          kind: 'provenance',
          predicateType: 'https://slsa.dev/provenance/v1',
          sourceRepository: value,
          sourceCommit: value,
          builderId: value,
          buildWorkflow: value,
          trigger: value,
          buildStartedOn: '2026-01-02T03:04:05Z',
        },
      },
      {
        verified: true,
        facts: {
          ...common,
          kind: 'sbom',
          predicateType: 'https://spdx.dev/Document',
          format: 'SPDX',
          formatVersion: value,
          packageCount: 3,
        },
      },
    ];
    const config: ResolvedConfig = { ...base, template, wording: { generator: 'https://example.com/gen', signedImages: 'Acme images' } };
    const view = buildView(config, state, new Map(), new Map([[latest, verdicts]]));
    const markdown = renderTemplate(templates[template], view);
    checkTagsTable(markdown, view.rows, templates[template]);
    return markdown;
  }

  for (const template of ['default', 'distroless'] as const) {
    test(`provenance and SBOM facts, ${template} template: the structure of the clean README, every value whole in prose code, no control character`, () => {
      const twin = structure(provenanceReadme(template, 'x'));
      for (const [index, value] of PROVENANCE_VALUES.entries()) {
        const label = `value ${index}: ${JSON.stringify(value.slice(0, 60))}`;
        const markdown = provenanceReadme(template, value);
        assert.deepEqual(controls(markdown), [], `${label}: no control character`);
        assert.deepEqual(structure(markdown), twin, `${label}: the structure of the clean README`);
        const prose = nodes(markdown)
          .filter((node) => node.type === 'listItem' || node.type === 'paragraph')
          .flatMap(inlineCodes);
        // source, commit, builder, workflow, trigger, the signer twice and its issuer, the SBOM's version: each shown whole.
        assert.ok(prose.filter((code) => code === visible(value)).length >= 8, `${label}: ${JSON.stringify(prose).slice(0, 300)}`);
        assert.ok(!outsideCode(markdown).some(({ text }) => text.includes('evil.example')), `${label}: no link or text outside code`);
      }
    });
  }
});
