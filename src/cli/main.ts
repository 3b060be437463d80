import { readFileSync } from 'node:fs';
import type { IdentityPolicy } from '../signatures/identity-policy.js';
import { ExitCode, ReadmeGenError } from '../errors.js';
import { packageFile } from '../package-root.js';
import type { FetchOptions } from '../registry/fetch-state.js';
import { type CliArguments, USAGE, parseCliArguments } from './args.js';
import { terminalProgress } from './progress.js';

/** Exit status for a failure that is readme-gen's own bug (BSD sysexits EX_SOFTWARE). */
const INTERNAL_ERROR = 70;

/** Runs one command and returns the process exit code; the only place exit codes are decided. */
export async function main(argv: readonly string[], cwd: string): Promise<number> {
  let debug = argv.includes('--debug');
  try {
    const args = parseCliArguments(argv);
    debug = args.debug;
    if (args.command === 'help') {
      process.stdout.write(USAGE);
      return ExitCode.ok;
    }
    if (args.command === 'version') {
      process.stdout.write(`${(JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string }).version}\n`);
      return ExitCode.ok;
    }
    // Commands are loaded when run, so `--version` and `--help` start at once.
    if (args.command === 'verify') return await runVerify(args, cwd);
    const { render } = await import('../commands/render.js');
    if (args.command === 'snapshot') return await runSnapshot(args, cwd);
    const progress = terminalProgress(process.stderr, args.registry.quiet);
    const options = {
      cwd,
      mode: args.mode,
      overrides: args.overrides,
      allowUnverified: args.allowUnverified,
      fetch: fetchOptions(args, progress),
      ...(args.configPath === undefined ? {} : { configPath: args.configPath }),
    };
    const result = await render(options).finally(() => progress?.done());
    switch (args.mode) {
      case 'print':
        process.stdout.write(result.content);
        return ExitCode.ok;
      case 'write':
        process.stderr.write(result.written ? `readme-gen: wrote ${result.output}\n` : `readme-gen: ${result.output} is up to date\n`);
        return ExitCode.ok;
      case 'diff':
        process.stdout.write(result.diff);
        return ExitCode.ok;
      case 'check':
        if (result.upToDate) return ExitCode.ok;
        process.stdout.write(result.diff);
        process.stderr.write(
          `readme-gen: ${result.output} is ${result.previous === undefined ? 'missing' : 'out of date'}; run \`readme-gen render --write\` to update it\n`,
        );
        return ExitCode.outOfDate;
    }
  } catch (error) {
    if (error instanceof ReadmeGenError) {
      process.stderr.write(`readme-gen: ${error.message}\n`);
      if (debug && error.stack) process.stderr.write(`${error.stack}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`readme-gen: internal error: ${message} (this is a bug in readme-gen; rerun with --debug for the stack trace and report it)\n`);
    if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return INTERNAL_ERROR;
  }
}

async function runVerify(args: CliArguments, cwd: string): Promise<number> {
  const { verifyReadmes } = await import('../commands/verify.js');
  const { overrides } = args;
  const policy: IdentityPolicy = {};
  if (overrides.certificateIdentity !== undefined) policy.certificateIdentity = overrides.certificateIdentity;
  if (overrides.certificateIdentityRegexp !== undefined) policy.certificateIdentityRegexp = overrides.certificateIdentityRegexp;
  if (overrides.certificateOidcIssuer !== undefined) policy.certificateOidcIssuer = overrides.certificateOidcIssuer;
  if (overrides.certificateOidcIssuerRegexp !== undefined) policy.certificateOidcIssuerRegexp = overrides.certificateOidcIssuerRegexp;
  const verdicts = verifyReadmes({
    cwd,
    files: args.files,
    policy,
    ...(overrides.key === undefined ? {} : { keyPath: overrides.key }),
    ...(overrides.trustedRoot === undefined ? {} : { trustedRootPath: overrides.trustedRoot }),
  });
  for (const verdict of verdicts) {
    if (!verdict.verified) {
      process.stderr.write(`readme-gen: ${verdict.message}\n`);
      continue;
    }
    const { readme } = verdict;
    const signers = readme.signers.map((signer) => (signer.subject ? `signed by ${signer.subject}${signer.issuer ? ` (issuer ${signer.issuer})` : ''}` : 'signed with the given key'));
    const logged = readme.logIndexes.length > 0 ? `, Rekor entry ${readme.logIndexes.join(', ')}` : '';
    process.stdout.write(`${readme.file}: authentic: ${readme.reference} ${readme.digest} ${signers.join('; ')}${logged}\n`);
  }
  return verdicts.every((verdict) => verdict.verified) ? ExitCode.ok : ExitCode.verification;
}

async function runSnapshot(args: CliArguments, cwd: string): Promise<number> {
  const { snapshot } = await import('../commands/snapshot.js');
  const progress = terminalProgress(process.stderr, args.registry.quiet);
  const result = await snapshot({
    cwd,
    overrides: args.overrides,
    fetch: fetchOptions(args, progress),
    ...(args.configPath === undefined ? {} : { configPath: args.configPath }),
    ...(args.registry.out === undefined ? {} : { out: args.registry.out }),
  }).finally(() => progress?.done());
  if (args.registry.json) {
    const summary = { state: result.output, written: result.written, tags: result.tags, digests: result.digests, requests: result.requests.requests, retries: result.requests.retries, bytes: result.requests.bytes, cache: result.cache };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } else if (!args.registry.quiet) {
    process.stderr.write(`readme-gen: ${result.written ? 'wrote' : 'unchanged:'} ${result.output} (${result.tags} tags, ${result.digests} digests)\n`);
  }
  return ExitCode.ok;
}

function fetchOptions(args: CliArguments, progress: ReturnType<typeof terminalProgress>): FetchOptions {
  const { registry } = args;
  return {
    insecureRegistries: registry.insecureRegistries,
    warn: (message) => {
      if (!registry.quiet) process.stderr.write(`readme-gen: warning: ${message}\n`);
    },
    ...(registry.cacheDir === undefined ? {} : { cacheDir: registry.cacheDir }),
    ...(registry.concurrency === undefined ? {} : { concurrency: registry.concurrency }),
    ...(progress ? { onProgress: progress.update } : {}),
  };
}
