/**
 * `npm run bench`: measures what the issues set targets for, on this machine,
 * and writes the numbers with the machine's description to BENCHMARKS.md;
 * bench/registry.ts adds the registry section (issue 4). Not a test: nothing
 * here passes or fails, it records.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
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
function timeProcess(args: string[]): { ms: number; status: number | null } {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: packageFile(), encoding: 'utf8' });
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, status: result.status };
}

function processRuns(args: string[], expectStatus: number): number[] {
  return Array.from({ length: RUNS }, () => {
    const { ms, status } = timeProcess(args);
    if (status !== expectStatus) throw new Error(`readme-gen ${args.join(' ')} exited ${status}, expected ${expectStatus}`);
    return ms;
  });
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
];

// The registry benchmark runs last, with this run's start-up time for its ideal.
const registry = await registryBenchmark({ startupMs: median(startup) });
const catalog = await catalogBenchmark({ startupMs: median(startup) });

const rows = measures.map(
  (measure) =>
    `| ${measure.what} | ${ms(median(measure.runs))} | ${ms(Math.min(...measure.runs))} | ${ms(Math.max(...measure.runs))} | ${measure.target} | ${measure.note} |`,
);
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
