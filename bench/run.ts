/**
 * `npm run bench`: measures what the issues set targets for, on this machine,
 * and writes the numbers with the machine's description to BENCHMARKS.md;
 * bench/registry.ts adds the registry section (issue 4). Not a test: nothing
 * here passes or fails, it records. `node dist/bench/run.js --offline-check`
 * prints the offline check's rows (issue 15) alone and writes nothing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { verifyReadmes } from '../src/commands/verify.js';
import { packageFile } from '../src/package-root.js';
import { catalogBenchmark } from './catalog.js';
import { registryBenchmark } from './registry.js';

const RUNS = 7;
const bin = packageFile('dist', 'src', 'cli', 'bin.js');
const corpusDir = packageFile('fixtures', 'corpus');
const corpusReadmes = readdirSync(corpusDir)
  .sort()
  .map((name) => path.join(corpusDir, name, 'expected.md'));

interface Measure {
  what: string;
  target: string;
  runs: number[];
  note: string;
}

/** Wall time of a whole readme-gen process, as a user or a hook sees it. */
function timeProcess(args: string[], cwd = packageFile()): { ms: number; status: number | null } {
  return timeCommand(process.execPath, [bin, ...args], cwd);
}

function timeCommand(command: string, args: string[], cwd: string): { ms: number; status: number | null } {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, status: result.status };
}

function processRuns(args: string[], expectStatus: number, cwd = packageFile()): number[] {
  return Array.from({ length: RUNS }, () => {
    const { ms, status } = timeProcess(args, cwd);
    if (status !== expectStatus) throw new Error(`readme-gen ${args.join(' ')} exited ${status}, expected ${expectStatus}`);
    return ms;
  });
}

/**
 * A repository like an image monorepo's: the bundled example
 * (fixtures/glibc-dynamic, with its real signature) under `count` names, in
 * one git work tree, each README written, so that the pre-commit hook's check
 * finds them all up to date. The writing run fills `cache` (the verdict
 * cache), as the commit before would have.
 */
function imageRepository(count: number): { dir: string; cache: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `readme-gen-bench-${count}-`));
  const cache = path.join(dir, '.cache');
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  execFileSync('git', ['init', '--quiet', dir]);
  const config = readFileSync(packageFile('fixtures', 'glibc-dynamic', 'readme-gen.yaml'), 'utf8');
  for (let index = 1; index <= count; index++) {
    const name = `glibc-dynamic-${String(index).padStart(4, '0')}`;
    mkdirSync(path.join(dir, name));
    writeFileSync(path.join(dir, name, 'readme-gen.yaml'), config.replace(/^name: .*$/m, `name: ${name}`));
    copyFileSync(packageFile('fixtures', 'glibc-dynamic', 'state.json'), path.join(dir, name, 'state.json'));
  }
  const { status } = timeProcess(['render', '--all', '--write', '--offline', '--quiet', '--cache-dir', cache], dir);
  if (status !== 0) throw new Error(`writing the READMEs of ${count} images exited ${status}`);
  return { dir, cache };
}

/**
 * The 85 corpus cases as a repository `verify --all` checks: one git work
 * tree with each case's config and state, and its expected.md as the README
 * its config names.
 */
function corpusRepository(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'readme-gen-bench-corpus-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  execFileSync('git', ['init', '--quiet', dir]);
  for (const name of readdirSync(corpusDir).sort()) {
    mkdirSync(path.join(dir, name));
    for (const file of ['readme-gen.yaml', 'state.json']) copyFileSync(path.join(corpusDir, name, file), path.join(dir, name, file));
    copyFileSync(path.join(corpusDir, name, 'expected.md'), path.join(dir, name, 'README.md'));
  }
  return dir;
}

/**
 * The hook's check of a repository as a commit after the first finds it:
 * one run has rendered every README and kept the renders, and the files were
 * written longer ago than the time after which their stats vouch for them
 * (SETTLED_NS in src/fs/input-log.ts; a commit comes minutes after the
 * edits, not milliseconds). The first run's time is given too: what a
 * commit waits for after every image changed.
 */
function settledHookRuns(repository: { dir: string; cache: string }, hook: string[]): { first: number; runs: number[] } {
  const args = [...hook, '--cache-dir', repository.cache];
  const untimed = () => {
    const run = timeProcess(args, repository.dir);
    if (run.status !== 0) throw new Error(`readme-gen ${args.join(' ')} exited ${run.status}`);
    return run.ms;
  };
  const first = untimed();
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3_500);
  // Confirms each file by its bytes once more, and keeps its stat.
  untimed();
  return { first, runs: processRuns(args, 0, repository.dir) };
}

/** Issue 15: the pre-commit hook's check over many images against one, start-up against Node's own, and verify --all. */
function offlineCheckMeasures(): Measure[] {
  const hook = ['render', '--all', '--check', '--offline', '--quiet'];
  const one = settledHookRuns(imageRepository(1), hook);
  const many = settledHookRuns(imageRepository(1000), hook);
  const nodeRuns = Array.from({ length: RUNS }, () => timeCommand(process.execPath, ['-e', '0'], packageFile()).ms);
  const corpus = corpusRepository();
  const times = (a: number[], b: number[]) => `${(median(a) / median(b)).toFixed(1)}×`;
  return [
    {
      what: '`render --all --check --offline`, the bundled example under 1,000 names in one repository',
      target: '≤ 2× one image (issue 15)',
      runs: many.runs,
      note: `${times(many.runs, one.runs)} the one-image check below (medians); whole process, after a first check kept the renders and the files settled (3 s)`,
    },
    {
      what: '`render --all --check --offline`, the bundled example alone',
      target: '≤ 3× `node -e 0` (issue 15)',
      runs: one.runs,
      note: `${(Math.min(...one.runs) / Math.min(...nodeRuns)).toFixed(1)}× \`node -e 0\` (best against best); whole process, as above`,
    },
    {
      what: '`node -e 0`',
      target: '—',
      runs: nodeRuns,
      note: "Node's own start-up, the floor of any command",
    },
    {
      what: 'the first of those checks over 1,000 images, after `render --all --write --offline`',
      target: '—',
      runs: [many.first],
      note: 'one run: each README rendered (signatures from the verdict cache the writing run left), its render kept',
    },
    {
      what: `\`readme-gen verify --all\` over the ${corpusReadmes.length} corpus READMEs`,
      target: '≤ 0.5 s (issue 15)',
      runs: processRuns(['verify', '--all', '--cache-dir', path.join(corpus, '.cache')], 4, corpus),
      note: 'whole process, each README with its own config; exit 4 because 008 is refused; the first run fills the cache (kept verdicts and authentic READMEs), the others use it',
    },
  ];
}

function inProcessVerifyRuns(): { runs: number[]; verified: number } {
  let verified = 0;
  const runs = Array.from({ length: RUNS }, () => {
    const start = process.hrtime.bigint();
    const verdicts = verifyReadmes({ cwd: packageFile(), files: corpusReadmes, policy: {} });
    verified = verdicts.filter((verdict) => verdict.verified).length;
    return Number(process.hrtime.bigint() - start) / 1e6;
  });
  return { runs, verified };
}

function rowsOf(measures: Measure[]): string[] {
  return measures.map(
    (measure) =>
      `| ${measure.what} | ${ms(median(measure.runs))} | ${ms(Math.min(...measure.runs))} | ${ms(Math.max(...measure.runs))} | ${measure.target} | ${measure.note} |`,
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

function ms(value: number): string {
  return `${Math.round(value)} ms`;
}

function machine(): string {
  const cpus = os.cpus();
  return [
    `- CPU: ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown'}`,
    `- Memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- OS: ${os.type()} ${os.release()} (${os.arch()})`,
    `- Node.js: ${process.version}`,
    `- Load average when the run started: ${os
      .loadavg()
      .map((load) => load.toFixed(2))
      .join(', ')}`,
  ].join('\n');
}

// Described before anything runs: the load average is the machine's, not the bench's.
const machineDescription = machine();
if (process.argv.includes('--offline-check')) {
  process.stdout.write(`${machineDescription}\n\n${rowsOf(offlineCheckMeasures()).join('\n')}\n`);
  process.exit(0);
}
const inProcess = inProcessVerifyRuns();
const startup = processRuns(['--version'], 0);
const measures: Measure[] = [
  {
    what: `\`readme-gen verify\` on the ${corpusReadmes.length} corpus READMEs, one process`,
    target: '< 1 s (issue 3)',
    runs: processRuns(['verify', ...corpusReadmes], 4),
    note: 'whole process: start, load, verify all, exit 4 because 008 is refused',
  },
  {
    what: `verifying the ${corpusReadmes.length} corpus READMEs in-process (verifyReadmes)`,
    target: '—',
    runs: inProcess.runs,
    note: `first run cold, then warm; ${inProcess.verified} verified`,
  },
  {
    what: 'rendering the bundled example (`render --config fixtures/glibc-dynamic/readme-gen.yaml`)',
    target: 'well under 1 s (the pre-commit hook, issue 5)',
    runs: processRuns(['render', '--config', 'fixtures/glibc-dynamic/readme-gen.yaml'], 0),
    note: 'whole process, signature verified',
  },
  {
    what: 'start-up (`readme-gen --version`)',
    target: '< 150 ms (issue 4)',
    runs: startup,
    note: 'whole process',
  },
  ...offlineCheckMeasures(),
];

// The registry benchmark runs last, with this run's start-up time for its ideal.
const registry = await registryBenchmark({ startupMs: median(startup) });
const catalog = await catalogBenchmark({ startupMs: median(startup) });

const rows = rowsOf(measures);
const report = `# Benchmarks

Written by \`npm run bench\` (bench/run.ts) on ${new Date().toISOString().slice(0, 10)}; ${RUNS} runs each. Regenerate rather than edit.

## Machine

${machineDescription}

## Results

| what | median | best | worst | target | note |
| --- | --- | --- | --- | --- | --- |
${rows.join('\n')}

${registry}
${catalog}`;
writeFileSync(packageFile('BENCHMARKS.md'), report);
process.stdout.write(report);
