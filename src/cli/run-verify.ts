import { type ReadmeVerdict, type VerifyOptions, verifyReadmes } from '../commands/verify.js';
import { discoverConfigs } from '../config/discover-configs.js';
import { loadConfig } from '../config/load-config.js';
import { ExitCode } from '../errors.js';
import type { IdentityPolicy } from '../signatures/identity-policy.js';
import type { CliArguments } from './args.js';

/**
 * `readme-gen verify README.md…` with the policy from the flags, or --all:
 * each configured README with its own config's policy, key and trusted root
 * (flags still override).
 */
export function runVerify(args: CliArguments, cwd: string): number {
  const runs: VerifyOptions[] = args.all
    ? discoverConfigs(cwd).map((configPath) => {
        const config = loadConfig({ cwd, configPath, overrides: args.overrides, allowOutside: args.allowOutside });
        const run: VerifyOptions = { cwd, files: [config.outputPath], policy: config.identity };
        if (config.keyPath !== undefined) run.keyPath = config.keyPath;
        if (config.trustedRootPath !== undefined) run.trustedRootPath = config.trustedRootPath;
        return run;
      })
    : [fromFlags(args, cwd)];
  const verdicts = runs.flatMap((run) => verifyReadmes(run));
  verdicts.forEach(print);
  return verdicts.every((verdict) => verdict.verified) ? ExitCode.ok : ExitCode.verification;
}

function fromFlags(args: CliArguments, cwd: string): VerifyOptions {
  const { overrides } = args;
  const policy: IdentityPolicy = {};
  if (overrides.certificateIdentity !== undefined) policy.certificateIdentity = overrides.certificateIdentity;
  if (overrides.certificateIdentityRegexp !== undefined) policy.certificateIdentityRegexp = overrides.certificateIdentityRegexp;
  if (overrides.certificateOidcIssuer !== undefined) policy.certificateOidcIssuer = overrides.certificateOidcIssuer;
  if (overrides.certificateOidcIssuerRegexp !== undefined) policy.certificateOidcIssuerRegexp = overrides.certificateOidcIssuerRegexp;
  const run: VerifyOptions = { cwd, files: args.files, policy };
  if (overrides.key !== undefined) run.keyPath = overrides.key;
  if (overrides.trustedRoot !== undefined) run.trustedRootPath = overrides.trustedRoot;
  return run;
}

function print(verdict: ReadmeVerdict): void {
  if (!verdict.verified) {
    process.stderr.write(`readme-gen: ${verdict.message}\n`);
    return;
  }
  const { readme } = verdict;
  const signers = readme.signers.map((signer) => (signer.subject ? `signed by ${signer.subject}${signer.issuer ? ` (issuer ${signer.issuer})` : ''}` : 'signed with the given key'));
  const logged = readme.logIndexes.length > 0 ? `, Rekor entry ${readme.logIndexes.join(', ')}` : '';
  const total = readme.signers.length;
  const unlogged = readme.unlogged === 0 ? '' : `, ${readme.unlogged === total ? '' : `${readme.unlogged} of ${total} signatures `}not logged in a transparency log`;
  process.stdout.write(`${readme.file}: authentic: ${readme.reference} ${readme.digest} ${signers.join('; ')}${logged}${unlogged}\n`);
}
