import { type PrPlan, pr } from '../commands/pr.js';
import { ExitCode, InputError } from '../errors.js';
import { DEFAULT_API_URL, parseApiUrl } from '../integrations/github.js';
import type { CliArguments } from './args.js';
import { withConfigs } from './cli-shared.js';

const DEFAULT_TOKEN_ENV = 'GITHUB_TOKEN';

/**
 * `readme-gen pr`: flags and environment in, one call to pr(), what happened
 * out — messages on stderr; on stdout the pull request's URL (a real run) or
 * the plan (--dry-run).
 */
export async function runPr(args: CliArguments, cwd: string): Promise<number> {
  if (args.offline) throw new InputError('--offline: readme-gen pr exists to read the registry; drop --offline (the pre-commit hook uses render --offline)');
  if (args.profile !== undefined) throw new InputError('--profile: readme-gen pr proposes the README itself; render the Docker Hub version with readme-gen render --profile dockerhub');
  if (args.registry.out !== undefined) throw new InputError("--out: readme-gen pr records each image's state in its config's state:; drop --out");
  if (args.mode !== 'print') throw new InputError(`--${args.mode}: readme-gen pr always renders and commits; drop --${args.mode} (use --dry-run to see the plan)`);

  const tokenEnv = args.pr.tokenEnv ?? DEFAULT_TOKEN_ENV;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(tokenEnv)) throw new InputError(`--token-env ${tokenEnv}: give the name of an environment variable, not its value`);
  const apiUrl = args.pr.apiUrl ?? (process.env.GITHUB_API_URL || DEFAULT_API_URL);
  parseApiUrl(apiUrl);
  const token = args.pr.dryRun ? undefined : readToken(tokenEnv);

  // git gets the environment without the token: it pushes with the clone's own credentials.
  const env = { ...process.env };
  delete env[tokenEnv];

  const { result } = await withConfigs(args, cwd, (configs, fetch) =>
    pr({
      cwd,
      configPaths: configs,
      overrides: args.overrides,
      allowUnverified: args.allowUnverified,
      allowOutside: args.allowOutside,
      fetch,
      dryRun: args.pr.dryRun,
      env,
      log: (message) => process.stderr.write(`readme-gen: ${message}\n`),
      ...(args.pr.base === undefined ? {} : { base: args.pr.base }),
      ...(args.pr.branch === undefined ? {} : { branch: args.pr.branch }),
      ...(token === undefined ? {} : { github: { apiUrl, token } }),
    }),
  );

  switch (result.outcome) {
    case 'unchanged':
      process.stderr.write(`readme-gen: nothing changed: ${result.files.join(', ')} match origin/${result.base}; nothing pushed, no pull request touched\n`);
      break;
    case 'planned':
      process.stdout.write(describePlan(result.plan));
      break;
    case 'opened':
      process.stderr.write(`readme-gen: opened pull request #${result.pullRequest.number}: ${result.plan.content.title}\n`);
      process.stdout.write(`${result.pullRequest.url}\n`);
      break;
    case 'updated':
      process.stderr.write(`readme-gen: updated pull request #${result.pullRequest.number}: ${result.plan.content.title}\n`);
      process.stdout.write(`${result.pullRequest.url}\n`);
      break;
    case 'up-to-date':
      process.stderr.write(`readme-gen: pull request #${result.pullRequest.number} is up to date\n`);
      process.stdout.write(`${result.pullRequest.url}\n`);
      break;
  }
  return ExitCode.ok;
}

function readToken(name: string): string {
  const token = process.env[name]?.trim() ?? '';
  if (token === '') {
    throw new InputError(
      `no GitHub token: set ${name} (in a workflow: env: ${name}: \${{ github.token }}, or a PAT / app token), or name another variable with --token-env; --dry-run needs none`,
    );
  }
  // Never print the value: only what is wrong with it.
  if (/[\s\u0000-\u001f\u007f]/.test(token)) throw new InputError(`${name} holds whitespace or control characters; it must hold the token alone`);
  return token;
}

/** The --dry-run report: everything a real run would commit and send. */
export function describePlan(plan: PrPlan): string {
  const indent = (text: string) => text.replace(/\n$/, '').split('\n').map((line) => (line === '' ? '' : `    ${line}`)).join('\n');
  const files = plan.updates.flatMap((update) => update.files.map((file) => `  ${file.before === undefined ? 'A' : 'M'} ${file.path}`));
  const repository = plan.repository ? `${plan.repository.owner}/${plan.repository.repo}` : '(unknown: set GITHUB_REPOSITORY=owner/repo for a real run)';
  return [
    'readme-gen pr --dry-run: nothing was written, committed, pushed or sent to GitHub.',
    '',
    `Repository: ${repository}`,
    `Base:       ${plan.base} (origin/${plan.base} at ${plan.baseCommit.slice(0, 12)})`,
    `Branch:     ${plan.branch} (rebuilt from the base, force-pushed)`,
    'Files:',
    ...files,
    '',
    'Commit message:',
    indent(plan.content.commitMessage),
    '',
    'Pull request title:',
    indent(plan.content.title),
    '',
    `Pull request body (${plan.content.body.length} characters):`,
    '-----',
    plan.content.body.replace(/\n$/, ''),
    '-----',
    '',
  ].join('\n');
}
