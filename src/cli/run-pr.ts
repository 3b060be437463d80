import { type PrResult, pr } from '../commands/pr.js';
import { ExitCode, InputError } from '../errors.js';
import { DEFAULT_API_URL, parseApiUrl } from '../integrations/github.js';
import type { ProposedPlan } from '../pr/plan.js';
import type { CommandInvocation } from './args.js';
import { printJson, withConfigs } from './cli-shared.js';

export const DEFAULT_TOKEN_ENV = 'GITHUB_TOKEN';

/**
 * `readme-gen pr`: flags and environment in, one call to pr(), what happened
 * out — messages on stderr; on stdout the pull request's URL (a real run) or
 * the plan (--dry-run).
 */
export async function runPr(invocation: CommandInvocation, cwd: string): Promise<number> {
  const { flags } = invocation;
  const dryRun = flags.boolean('dry-run');
  const tokenEnv = flags.string('token-env') ?? DEFAULT_TOKEN_ENV;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(tokenEnv))
    throw new InputError(`--token-env ${tokenEnv}: give the name of an environment variable, not its value`);
  const apiUrl = flags.string('api-url') ?? (process.env.GITHUB_API_URL || DEFAULT_API_URL);
  parseApiUrl(apiUrl);
  const token = dryRun ? undefined : readToken(tokenEnv);

  // git gets the environment without the token: it pushes with the clone's own credentials.
  const env = { ...process.env };
  delete env[tokenEnv];

  const base = flags.string('base');
  const branch = flags.string('branch');
  // With --json, stdout is the JSON alone; what happened is in it too.
  const note = (message: string) => {
    if (!flags.boolean('json')) process.stderr.write(`readme-gen: ${message}\n`);
  };
  const { result } = await withConfigs(invocation, cwd, (configs, fetch) =>
    pr({
      cwd,
      configPaths: configs,
      overrides: invocation.overrides,
      allowUnverified: flags.boolean('allow-unverified'),
      allowOutside: flags.boolean('allow-outside'),
      fetch,
      dryRun,
      env,
      log: note,
      ...(base === undefined ? {} : { base }),
      ...(branch === undefined ? {} : { branch }),
      ...(token === undefined ? {} : { github: { apiUrl, token } }),
    }),
  );
  if (flags.boolean('json')) {
    printJson(jsonResult(result));
    return ExitCode.ok;
  }

  switch (result.outcome) {
    case 'unchanged': {
      const files = result.plan.files.map((file) => file.path);
      note(
        `nothing changed: ${files.join(', ')} ${files.length === 1 ? 'matches' : 'match'} origin/${result.plan.base}; nothing pushed, no pull request touched`,
      );
      break;
    }
    case 'planned':
      process.stdout.write(describePlan(result.plan));
      break;
    case 'opened':
      note(`opened pull request #${result.pullRequest.number}: ${result.plan.content.title}`);
      process.stdout.write(`${result.pullRequest.url}\n`);
      break;
    case 'updated':
      note(`updated pull request #${result.pullRequest.number}: ${result.plan.content.title}`);
      process.stdout.write(`${result.pullRequest.url}\n`);
      break;
    case 'up-to-date':
      note(`pull request #${result.pullRequest.number} is up to date`);
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
  if (/[\s\u0000-\u001f\u007f]/.test(token))
    throw new InputError(`${name} holds whitespace or control characters; it must hold the token alone`);
  return token;
}

/** --json: what happened, and the plan a real run sent or a dry run would send. */
function jsonResult(result: PrResult): object {
  if (result.outcome === 'unchanged')
    return { outcome: result.outcome, base: result.plan.base, files: result.plan.files.map((file) => file.path) };
  const { plan } = result;
  const planned = {
    repository: plan.repository ?? null,
    base: plan.base,
    baseCommit: plan.baseCommit,
    branch: plan.branch,
    files: plan.updates.flatMap((update) =>
      update.files.map((file) => ({ path: file.path, kind: file.kind, added: file.before === undefined })),
    ),
    title: plan.content.title,
    body: plan.content.body,
    commitMessage: plan.content.commitMessage,
  };
  if (result.outcome === 'planned') return { outcome: result.outcome, ...planned };
  return {
    outcome: result.outcome,
    ...planned,
    pushed: result.pushed,
    commit: result.commit,
    pullRequest: { number: result.pullRequest.number, url: result.pullRequest.url },
  };
}

/** The --dry-run report: everything a real run would commit and send. */
export function describePlan(plan: ProposedPlan): string {
  const indent = (text: string) =>
    text
      .replace(/\n$/, '')
      .split('\n')
      .map((line) => (line === '' ? '' : `    ${line}`))
      .join('\n');
  const files = plan.updates.flatMap((update) => update.files.map((file) => `  ${file.before === undefined ? 'A' : 'M'} ${file.path}`));
  const repository = plan.repository ?? '(unknown: set GITHUB_REPOSITORY=owner/repo for a real run)';
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
