/**
 * Turns the corpus of READMEs written by the original generator into fixtures:
 * each README beside the readme-gen.yaml and state.json that should reproduce
 * it. Everything comes from what the README prints; what it does not record
 * (platform digests and sizes, .sig manifest digests, certificate chains) is
 * left out rather than invented.
 *
 * Usage: npm run import-corpus [-- --corpus DIR --out DIR]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { stringify } from 'yaml';
import type { ConfigFile } from '../src/config/readme-gen-config.js';
import type { CosignOutputGeneration } from '../src/signatures/cosign-verify-output.js';
import { type PrintedSignature, parsePrintedVerifyOutput, signatureFromPrintedClaims } from '../src/signatures/printed-verify-output.js';
import {
  type CosignSignatureRecord,
  type Digest,
  type ImageRecord,
  type ImageState,
  type PlatformRecord,
} from '../src/state/image-state.js';
import { serializeState } from '../src/state/serialize-state.js';
import { parseValidated } from '../src/validation/validate-document.js';

/** This file runs as dist/scripts/import-corpus.js, two levels below the repository root. */
const REPOSITORY_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CORPUS_SUBDIR = 'glibc-dynamic';
const CORPUS_TSV = 'glibc-dynamic.tsv';
const TSV_COLUMNS = ['file', 'commit', 'committed_at', 'brand', 'cosign_output', 'rows', 'payload_matches_rekor_entry', 'note'];
/** The README the project started from; it doubles as the bundled example. */
const EXAMPLE_SOURCE = '006-4675c89.md';
const PRIMARY_TAG = 'latest';
/** The original tool read every digest as an OCI index, whatever the registry served. */
const ORIGINAL_MEDIA_TYPE = 'application/vnd.oci.image.index.v1+json';
/** The original tool hid these tags; the tables never show them, and the config says so. */
const ORIGINAL_EXCLUDED_TAGS = ['latest-*', 'root-*'];

interface CorpusEntry {
  file: string;
  cosignOutput: CosignOutputGeneration;
  rows: number;
  payloadMatchesRekorEntry: boolean;
}

interface TableRow {
  tags: string[];
  digest: Digest;
  architectures: string[];
}

/** What one README records, before it is shaped into config and state. */
interface CorpusReadme {
  name: string;
  generator: string;
  repo: string;
  /** The workflow file the CI badge shows. */
  ciWorkflow: string;
  description: string;
  location: string;
  table: TableRow[];
  signedImages: string;
  printedSignatures: unknown[];
  builtWith: string[];
}

interface Fixture {
  config: ConfigFile;
  state: ImageState;
}

function main(): void {
  const { values } = parseArgs({
    options: { corpus: { type: 'string' }, out: { type: 'string' } },
    strict: true,
  });
  const corpusDir = path.resolve(values.corpus ?? path.join(REPOSITORY_ROOT, '..', 'shared', 'corpus'));
  const outDir = path.resolve(values.out ?? path.join(REPOSITORY_ROOT, 'fixtures'));

  const entries = readCorpusTsv(path.join(corpusDir, CORPUS_TSV));
  if (!entries.some((entry) => entry.file === EXAMPLE_SOURCE)) {
    throw new Error(`${CORPUS_TSV}: ${EXAMPLE_SOURCE}, the bundled example's source, is not listed`);
  }
  const mismatched: string[] = [];
  for (const entry of entries) {
    const source = `${CORPUS_SUBDIR}/${entry.file}`;
    const readmeBytes = readFileSync(path.join(corpusDir, CORPUS_SUBDIR, entry.file));
    const fixture = importReadme(readmeBytes.toString('utf8'), entry, source);
    const fixtureDir = path.join(outDir, 'corpus', entry.file.replace(/\.md$/, ''));
    writeFixture(fixtureDir, source, fixture);
    writeFileSync(path.join(fixtureDir, 'expected.md'), readmeBytes);
    if (entry.file === EXAMPLE_SOURCE) {
      writeFixture(path.join(outDir, 'glibc-dynamic'), source, { ...fixture, config: { ...fixture.config, output: 'README.md' } });
    }
    if (!entry.payloadMatchesRekorEntry) mismatched.push(entry.file);
  }
  console.log(summary(entries.length, mismatched));
}

function readCorpusTsv(file: string): CorpusEntry[] {
  const [header, ...lines] = readFileSync(file, 'utf8').replace(/\n$/, '').split('\n');
  if (header !== TSV_COLUMNS.join('\t')) {
    throw new Error(`${CORPUS_TSV}: expected the columns ${TSV_COLUMNS.join(', ')}`);
  }
  return lines.map((line, index) => {
    const label = `${CORPUS_TSV}:${index + 2}`;
    const cells = line.split('\t');
    if (cells.length !== TSV_COLUMNS.length) throw new Error(`${label}: expected ${TSV_COLUMNS.length} tab-separated cells`);
    const [file, , , , cosignOutput, rows, matches] = cells as [string, string, string, string, string, string, string];
    if (!/^[\w.-]+\.md$/.test(file)) throw new Error(`${label}: "${file}" is not a README file name`);
    if (cosignOutput !== 'oids-only' && cosignOutput !== 'with-workflow-names') {
      throw new Error(`${label}: cosign_output "${cosignOutput}" is neither oids-only nor with-workflow-names`);
    }
    if (!/^[1-9]\d*$/.test(rows)) throw new Error(`${label}: rows "${rows}" is not a positive number`);
    if (matches !== 'yes' && matches !== 'no') throw new Error(`${label}: payload_matches_rekor_entry "${matches}" is neither yes nor no`);
    return { file, cosignOutput, rows: Number(rows), payloadMatchesRekorEntry: matches === 'yes' };
  });
}

/** Reads one README and cross-checks it against what the tsv says about it. */
function importReadme(text: string, entry: CorpusEntry, source: string): Fixture {
  const readme = parseReadme(text, source);
  if (readme.table.length !== entry.rows) {
    throw new Error(`${source}: the Supported tags table has ${readme.table.length} rows, the tsv says ${entry.rows}`);
  }
  const primary = readme.table.find((row) => row.tags.includes(PRIMARY_TAG));
  if (!primary) throw new Error(`${source}: no "${PRIMARY_TAG}" tag in the Supported tags table`);
  const signatures = readme.printedSignatures.map((printed, index) => {
    const label = `${source}: signature ${index + 1}`;
    const signature = signatureFromPrintedClaims(printed, label);
    checkSignature(signature, entry, primary.digest, label);
    // The corpus signatures are all logged: the one layer is rebuilt from the Bundle.
    return signature.candidates[0];
  });
  return {
    config: buildConfig(readme, entry),
    state: buildState(readme, primary.digest, signatures),
  };
}

/** The printed signatures are for the primary tag, and the tsv's facts about them hold. */
function checkSignature(signature: PrintedSignature, entry: CorpusEntry, primaryDigest: Digest, label: string): void {
  if (signature.signedDigest !== primaryDigest) {
    throw new Error(`${label}: signs ${signature.signedDigest}, but "${PRIMARY_TAG}" points to ${primaryDigest}`);
  }
  if (signature.generation !== entry.cosignOutput) {
    throw new Error(`${label}: the printed optional looks like ${signature.generation} output, the tsv says ${entry.cosignOutput}`);
  }
  if (signature.payloadMatchesEntry !== entry.payloadMatchesRekorEntry) {
    const finding = signature.payloadMatchesEntry ? 'matches' : 'does not match';
    const recorded = entry.payloadMatchesRekorEntry ? 'yes' : 'no';
    throw new Error(
      `${label}: the rebuilt payload ${finding} the Rekor entry's hash, but the tsv says payload_matches_rekor_entry=${recorded}`,
    );
  }
}

function parseReadme(text: string, source: string): CorpusReadme {
  const lines = text.split('\n');
  const title = matchLine(lines, 0, /^# (.+)$/, 'the "# title" line', source);
  const generator = findLine(lines, /^Note: Do NOT edit directly, this file was generated using (\S+)$/, 'the "Do NOT edit" note', source);
  const badge = findLine(
    lines,
    /^\[!\[CI status\]\((https:\/\/github\.com\/[^/\s]+\/[^/\s]+)\/actions\/workflows\/([^/)\s]+)\/badge\.svg\)\]\(\1\/actions\/workflows\/\2\)$/,
    'the CI badge',
    source,
  );
  const getIt = findLine(lines, /^## Get It!$/, 'the "## Get It!" heading', source);
  const pull = findLine(lines, /^docker pull (\S+):latest$/, 'the "docker pull …:latest" line', source);
  const tagsHeading = findLine(lines, /^## Supported tags$/, 'the "## Supported tags" heading', source);
  const signing = findLine(lines, /^## Signing$/, 'the "## Signing" heading', source);
  const signedImages = findLine(
    lines,
    /^All (.+) are signed using \[Sigstore\]\(https:\/\/sigstore\.dev\)!$/,
    'the "All … are signed" line',
    source,
  );
  const build = findLine(
    lines,
    /^This image is built with (\[melange\]\([^)\s]+\) and )?\[apko\]\([^)\s]+\)\.$/,
    'the "This image is built with" line',
    source,
  );
  const location = pull.match[1]!;
  return {
    name: title[1]!,
    generator: generator.match[1]!,
    repo: badge.match[1]!,
    ciWorkflow: badge.match[2]!,
    description: paragraphBetween(lines, badge.index, getIt.index, source),
    location,
    table: parseTagsTable(lines, tagsHeading.index, source),
    signedImages: signedImages.match[1]!,
    printedSignatures: parseVerifyOutput(lines, signing.index, `${location}:${PRIMARY_TAG}`, source),
    builtWith: build.match[1] === undefined ? ['apko'] : ['melange', 'apko'],
  };
}

/** The text between two lines, without the blank lines that separate it from them. */
function paragraphBetween(lines: string[], after: number, before: number, source: string): string {
  const text = lines
    .slice(after + 1, before)
    .join('\n')
    .replace(/^\n+|\n+$/g, '');
  if (text === '') throw new Error(`${source}:${after + 2}: no description between the CI badge and "## Get It!"`);
  return text;
}

const TABLE_HEADER = ['| Tag | Digest | Arch |', '| --- | ------ | ---- |'];
/** Tags, digest (the Rekor link must search for that same digest), architectures. */
const TABLE_ROW =
  /^\| (`[^`\s]+`(?: `[^`\s]+`)*) \| `(sha256:[0-9a-f]{64})`<br\/>\[View entry in Rekor\]\(https:\/\/rekor\.tlog\.dev\/\?hash=\2\) \| (`[^`\s]+`(?: `[^`\s]+`)*) \|$/;

function parseTagsTable(lines: string[], heading: number, source: string): TableRow[] {
  TABLE_HEADER.forEach((expected, offset) => {
    const index = heading + 2 + offset;
    if (lines[index] !== expected) throw new Error(`${source}:${index + 1}: expected the table line "${expected}"`);
  });
  const rows: TableRow[] = [];
  for (let index = heading + 2 + TABLE_HEADER.length; lines[index]?.startsWith('|'); index++) {
    const match = TABLE_ROW.exec(lines[index]!);
    if (!match)
      throw new Error(
        `${source}:${index + 1}: a Supported tags row that is not "| \`tag\`… | \`digest\`<br/>[View entry in Rekor](…) | \`arch\`… |"`,
      );
    const digest = match[2] as Digest;
    if (rows.some((row) => row.digest === digest)) throw new Error(`${source}:${index + 1}: ${digest} has a second row`);
    const tags = backtickedNames(match[1]!);
    const repeated = tags.find((tag) => rows.some((row) => row.tags.includes(tag)));
    if (repeated !== undefined) throw new Error(`${source}:${index + 1}: tag "${repeated}" is in two rows`);
    rows.push({ tags, digest, architectures: backtickedNames(match[3]!) });
  }
  if (rows.length === 0) throw new Error(`${source}:${heading + 1}: the Supported tags table has no rows`);
  return rows;
}

function backtickedNames(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]!);
}

/** The signatures printed in the Output block, which must be cosign's output for `reference`. */
function parseVerifyOutput(lines: string[], signingHeading: number, reference: string, source: string): unknown[] {
  const output = findLine(lines, /^Output:$/, 'the "Output:" line', source, signingHeading);
  if (lines[output.index + 1] !== '```') throw new Error(`${source}:${output.index + 2}: expected a \`\`\` fence after "Output:"`);
  const start = output.index + 2;
  const end = findLine(lines, /^```$/, 'the end of the Output block', source, start).index;
  const printed = parsePrintedVerifyOutput(lines.slice(start, end).join('\n'), `${source}:${start + 1}`);
  if (printed.reference !== reference)
    throw new Error(`${source}:${start + 1}: cosign verified ${printed.reference}, expected ${reference}`);
  return printed.claims;
}

function buildConfig(readme: CorpusReadme, entry: CorpusEntry): ConfigFile {
  return {
    name: readme.name,
    location: readme.location,
    repo: readme.repo,
    'ci-workflow': readme.ciWorkflow,
    description: readme.description,
    template: 'distroless',
    state: 'state.json',
    'primary-tag': PRIMARY_TAG,
    'cosign-output': entry.cosignOutput,
    'built-with': readme.builtWith,
    'exclude-tags': [...ORIGINAL_EXCLUDED_TAGS],
    wording: { generator: readme.generator, 'signed-images': readme.signedImages },
  };
}

function buildState(readme: CorpusReadme, primaryDigest: Digest, signatures: CosignSignatureRecord[]): ImageState {
  const images: Record<Digest, ImageRecord> = {};
  for (const row of readme.table) {
    images[row.digest] = {
      mediaType: ORIGINAL_MEDIA_TYPE,
      platforms: row.architectures.map(platformFromArch),
      // Only the primary tag's signatures were printed; the others are unknown, not absent.
      signatures: row.digest === primaryDigest ? signatures : [],
    };
  }
  return {
    schemaVersion: 1,
    repository: readme.location,
    tags: readme.table.flatMap((row) => row.tags.map((name) => ({ name, digest: row.digest, mediaType: ORIGINAL_MEDIA_TYPE }))),
    images,
  };
}

/**
 * The Arch cell printed architecture and variant run together (armv7, arm64v8).
 * Only the architectures that have variants are split, or riscv64 would read as
 * risc + v64. The os is not printed: these are Linux images, so linux is inferred.
 */
function platformFromArch(arch: string): PlatformRecord {
  const match = /^(arm|arm64|amd64)(v\d+)$/.exec(arch);
  return match ? { os: 'linux', architecture: match[1]!, variant: match[2]! } : { os: 'linux', architecture: arch };
}

/** Writes config and state, each checked against its schema and read back unchanged before it lands. */
function writeFixture(dir: string, source: string, fixture: Fixture): void {
  const configText = `# Imported by scripts/import-corpus.ts from ${source}; regenerate with npm run import-corpus.\n${stringify(fixture.config, { lineWidth: 0 })}`;
  const stateText = serializeState(fixture.state);
  const configLabel = `${path.join(dir, 'readme-gen.yaml')} (from ${source})`;
  const stateLabel = `${path.join(dir, 'state.json')} (from ${source})`;
  if (!isDeepStrictEqual(parseValidated<ConfigFile>(configText, configLabel, 'config', 'yaml'), fixture.config)) {
    throw new Error(`${configLabel}: the YAML does not read back as the config that was written`);
  }
  parseValidated<ImageState>(stateText, stateLabel, 'image-state', 'json');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'readme-gen.yaml'), configText);
  writeFileSync(path.join(dir, 'state.json'), stateText);
}

function summary(total: number, mismatched: string[]): string {
  const matching = `${total - mismatched.length} payloads match their Rekor entry`;
  if (mismatched.length === 0) return `imported ${total} files: ${matching}`;
  const verb = mismatched.length === 1 ? 'does' : 'do';
  return `imported ${total} files: ${matching}, ${mismatched.length} ${verb} not (${mismatched.join(', ')}, as the tsv records)`;
}

function matchLine(lines: string[], index: number, pattern: RegExp, what: string, source: string): RegExpExecArray {
  const match = pattern.exec(lines[index] ?? '');
  if (!match) throw new Error(`${source}:${index + 1}: expected ${what}`);
  return match;
}

/** The first line at or after `from` that matches. */
function findLine(lines: string[], pattern: RegExp, what: string, source: string, from = 0): { index: number; match: RegExpExecArray } {
  for (let index = from; index < lines.length; index++) {
    const match = pattern.exec(lines[index]!);
    if (match) return { index, match };
  }
  throw new Error(`${source}: ${what} is missing`);
}

try {
  main();
} catch (error) {
  console.error(`import-corpus: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
