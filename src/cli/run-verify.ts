import { type ReadmeVerdict, type VerifyOptions, verifyReadmes } from '../commands/verify.js';
import { discoverConfigs } from '../config/discover-configs.js';
import { loadConfig, signatureSettingsFromFlags } from '../config/load-config.js';
import { ExitCode } from '../errors.js';
import type { CommandInvocation } from './args.js';
import { printJson } from './cli-shared.js';

/**
 * `readme-gen verify README.md…` with the policy from the flags, or --all:
 * each configured README with its own config's policy, key and trusted root
 * (flags still override).
 */
export function runVerify(invocation: CommandInvocation, cwd: string): number {
  const { flags, overrides } = invocation;
  const cacheDir = flags.string('cache-dir');
  const runs: VerifyOptions[] = flags.boolean('all')
    ? discoverConfigs(cwd).map((configPath) => {
        const config = loadConfig({ cwd, configPath, overrides, allowOutside: flags.boolean('allow-outside') });
        return withSettings({ cwd, files: [config.outputPath], policy: config.identity }, config, cacheDir);
      })
    : [withSettings({ cwd, files: invocation.positionals, policy: {} }, signatureSettingsFromFlags(cwd, overrides), cacheDir)];
  const verdicts = runs.flatMap((run) => verifyReadmes(run));
  const authentic = verdicts.every((verdict) => verdict.verified);
  if (flags.boolean('json')) printJson({ authentic, readmes: verdicts.map(jsonVerdict) });
  else verdicts.forEach(print);
  return authentic ? ExitCode.ok : ExitCode.verification;
}

function withSettings(run: VerifyOptions, settings: { identity: VerifyOptions['policy']; keyPath?: string; trustedRootPath?: string; tufMirror?: string }, cacheDir: string | undefined): VerifyOptions {
  const options: VerifyOptions = { ...run, policy: settings.identity };
  if (settings.keyPath !== undefined) options.keyPath = settings.keyPath;
  if (settings.trustedRootPath !== undefined) options.trustedRootPath = settings.trustedRootPath;
  if (settings.tufMirror !== undefined) options.tufMirror = settings.tufMirror;
  if (cacheDir !== undefined) options.cacheDir = cacheDir;
  return options;
}

function jsonVerdict(verdict: ReadmeVerdict): object {
  if (!verdict.verified) return { file: verdict.file, authentic: false, message: verdict.message, ...(verdict.check ? { check: verdict.check } : {}) };
  const { readme } = verdict;
  return { file: readme.file, authentic: true, reference: readme.reference, digest: readme.digest, signers: readme.signers, logIndexes: readme.logIndexes };
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
