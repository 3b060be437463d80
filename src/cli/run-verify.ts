import { type ReadmeVerdict, type VerifyOptions, verifyReadmes } from '../commands/verify.js';
import { discoverConfigs } from '../config/discover-configs.js';
import { loadConfig, signatureSettingsFromFlags } from '../config/load-config.js';
import type { ResolvedConfig } from '../config/readme-gen-config.js';
import { ExitCode } from '../errors.js';
import type { CommandInvocation } from './args.js';
import { printJson } from './cli-shared.js';

/**
 * `readme-gen verify README.md…` with the policy from the flags (and, for a
 * README checked against its committed state, its own config's, found beside
 * or above it); with --config that config's policy, key, trusted root and
 * state; or --all: each configured README with its own config's (flags still
 * override).
 */
export function runVerify(invocation: CommandInvocation, cwd: string): number {
  const { flags, overrides } = invocation;
  const allowOutside = flags.boolean('allow-outside');
  const configPath = flags.string('config');
  const cacheDir = flags.string('cache-dir');
  const cache = cacheDir === undefined ? {} : { cacheDir };
  const runs: VerifyOptions[] = flags.boolean('all')
    ? discoverConfigs(cwd).map((configPath) => {
        const config = loadConfig({ cwd, configPath, overrides, allowOutside });
        return withConfig({ cwd, files: [config.outputPath], config, ...cache });
      })
    : configPath !== undefined
      ? // --config: its identity, key and trusted root (flags still override), and its committed state for READMEs that need one.
        [withConfig({ cwd, files: invocation.positionals, config: loadConfig({ cwd, configPath, overrides, allowOutside }), ...cache })]
      : [
          withSettings(
            { cwd, files: invocation.positionals, policy: {}, overrides, allowOutside, ...cache },
            signatureSettingsFromFlags(cwd, overrides),
          ),
        ];
  const verdicts = runs.flatMap((run) => verifyReadmes(run));
  const authentic = verdicts.every((verdict) => verdict.verified);
  if (flags.boolean('json')) printJson({ authentic, readmes: verdicts.map(jsonVerdict) });
  else verdicts.forEach(print);
  return authentic ? ExitCode.ok : ExitCode.verification;
}

function withConfig(run: { cwd: string; files: string[]; config: ResolvedConfig; cacheDir?: string }): VerifyOptions {
  return withSettings({ ...run, policy: run.config.identity }, run.config);
}

function withSettings(
  run: VerifyOptions,
  settings: { identity: VerifyOptions['policy']; keyPath?: string; trustedRootPath?: string; tufMirror?: string },
): VerifyOptions {
  const options: VerifyOptions = { ...run, policy: settings.identity };
  if (settings.keyPath !== undefined) options.keyPath = settings.keyPath;
  if (settings.trustedRootPath !== undefined) options.trustedRootPath = settings.trustedRootPath;
  if (settings.tufMirror !== undefined) options.tufMirror = settings.tufMirror;
  return options;
}

function jsonVerdict(verdict: ReadmeVerdict): object {
  if (!verdict.verified) {
    const { file, message, check, claim, proof } = verdict;
    return { file, authentic: false, ...(proof ? { proof } : {}), message, ...(check ? { check } : {}), ...(claim ? { claim } : {}) };
  }
  const { readme } = verdict;
  return {
    file: readme.file,
    authentic: true,
    proof: readme.proof,
    ...(readme.config === undefined ? {} : { config: readme.config }),
    ...(readme.state === undefined ? {} : { state: readme.state }),
    reference: readme.reference,
    digest: readme.digest,
    signers: readme.signers,
    logIndexes: readme.logIndexes,
    logEntries: readme.logEntries,
  };
}

function print(verdict: ReadmeVerdict): void {
  if (!verdict.verified) {
    process.stderr.write(`readme-gen: ${verdict.message}\n`);
    return;
  }
  const { readme } = verdict;
  const signers = readme.signers.map((signer) =>
    signer.subject ? `signed by ${signer.subject}${signer.issuer ? ` (issuer ${signer.issuer})` : ''}` : 'signed with the given key',
  );
  // An unsigned image's README is checked for its provenance facts alone.
  if (signers.length === 0) signers.push('not signed');
  const logged = readme.logEntries.length > 0 ? `, ${readme.logEntries.join(', ')}` : '';
  const total = readme.signers.length;
  const unlogged =
    readme.unlogged === 0
      ? ''
      : `, ${readme.unlogged === total ? '' : `${readme.unlogged} of ${total} signatures `}not logged in a transparency log`;
  const against = readme.proof === 'committed state' ? `, as the committed state ${readme.state} renders it (${readme.config})` : '';
  process.stdout.write(
    `${readme.file}: authentic: ${readme.reference} ${readme.digest} ${signers.join('; ')}${logged}${unlogged}${against}\n`,
  );
}
