import { realpathSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config/load-config.js';
import type { ConfigOverrides, ResolvedConfig } from '../config/readme-gen-config.js';
import { InputError } from '../errors.js';
import { proxyFromEnv } from '../http/http-client.js';
import { isInside } from '../fs/is-inside.js';
import { readIfExists } from '../fs/read-if-exists.js';
import { GitRepository } from '../integrations/git.js';
import { GitHubClient, type Repository, repositoryFrom } from '../integrations/github.js';
import { type PlanFile, type PlanImage, type ProposedPlan, planPullRequest } from '../pr/plan.js';
import { type FetchOptions, fetchState } from '../registry/fetch-state.js';
import { primaryTagOf } from '../render/primary-tag.js';
import type { ImageState } from '../state/image-state.js';
import { serializeState } from '../state/serialize-state.js';
import { type AppliedPlan, applyPlan } from './apply-plan.js';
import { renderReadmeFile } from './readme-file.js';
import { committedState } from './snapshot.js';
import { trustFor } from './trust.js';

export const DEFAULT_BRANCH = 'readme-gen/update';

export interface PrOptions {
  cwd: string;
  /** one entry per image; undefined: readme-gen.yaml in cwd */
  configPaths: readonly (string | undefined)[];
  overrides?: ConfigOverrides;
  allowUnverified?: boolean;
  /** --allow-outside: templates and descriptions may live outside the repository (the README and state never may) */
  allowOutside?: boolean;
  fetch: FetchOptions;
  /** default: origin's default branch, else main */
  base?: string;
  /** default: readme-gen/update */
  branch?: string;
  /** plan only: no file, commit, push or API call */
  dryRun: boolean;
  /** required unless dryRun */
  github?: { apiUrl: string; token: string };
  /** GITHUB_REPOSITORY is read from here, and git runs with it (the caller leaves credentials out) */
  env: NodeJS.ProcessEnv;
  /** progress for people (stderr) */
  log: (message: string) => void;
}

/** A real run's outcome, or a dry run's: the plan when anything changed. */
export type PrResult = AppliedPlan | { outcome: 'planned'; plan: ProposedPlan };

/** The branches and repository a run works on, once git has vouched for them. */
interface Target {
  base: string;
  baseCommit: string;
  branch: string;
  repository: Repository | undefined;
}

/** An image's config, with the README and state file it owns, as paths from the repository root. */
interface Owned {
  config: ResolvedConfig;
  readme: string;
  state: string;
}

/**
 * `readme-gen pr`: refresh each image's state from its registry, render its
 * README, and when any of those files differs from the base branch, put them
 * in one commit on a fixed branch rebuilt from the base, force-push it, and
 * open the branch's pull request or bring the open one up to date.
 *
 * Everything that can be checked is checked before the registry is read, and
 * every image is refreshed before anything is written: a registry or signature
 * failure leaves no half-done work. The plan (src/pr/plan.ts: what changed,
 * the commit message, title and body) is made from values; a dry run returns
 * it, a real run applies it (applyPlan).
 */
export async function pr(options: PrOptions): Promise<PrResult> {
  if (!options.dryRun && options.github === undefined) throw new Error('pr: a real run needs the GitHub token');
  const git = await GitRepository.open(options.cwd, { env: options.env, ...(options.github ? { secrets: [options.github.token] } : {}) });
  const { base, baseCommit, branch, repository } = await preflight(git, options);
  const configs = options.configPaths.map((configPath) => loadPrConfig(configPath, options));
  const owned = configs.map((config) => ownedBy(config, git.root));
  await refuseOtherChanges(git, owned);
  const images = await refresh(owned, options);
  const plan = planPullRequest({
    base,
    baseCommit,
    branch,
    repository: repository && `${repository.owner}/${repository.repo}`,
    images: await withBase(git, baseCommit, images),
  });
  if (options.dryRun) return plan.content === undefined ? { outcome: 'unchanged', plan } : { outcome: 'planned', plan };

  const { apiUrl, token } = options.github as { apiUrl: string; token: string };
  // The same proxies as the registry's requests: a runner behind one reaches api.github.com only through it.
  const proxy = proxyFromEnv(options.env);
  const github = new GitHubClient({ apiUrl, token, repository: repository as Repository, ...(proxy ? { http: { proxy } } : {}) });
  try {
    return await applyPlan(plan, git, github, options.log);
  } finally {
    await github.close();
  }
}

/** The branch names, origin, the base commit and the repository, checked before anything is read or written. */
async function preflight(git: GitRepository, options: PrOptions): Promise<Target> {
  const branch = options.branch ?? DEFAULT_BRANCH;
  if (!(await git.isValidBranchName(branch))) throw new InputError(`--branch ${branch}: not a valid git branch name`);
  const originUrl = await git.originUrl();
  if (originUrl === undefined) throw new InputError('this clone has no remote named origin: readme-gen pr pushes its branch to origin');
  const base = options.base ?? (await git.originDefaultBranch()) ?? 'main';
  if (!(await git.isValidBranchName(base))) throw new InputError(`--base ${base}: not a valid git branch name`);
  if (base === branch)
    throw new InputError(`--branch ${branch} is the base branch; readme-gen pr force-pushes its branch, so give it one of its own`);
  const baseCommit = await git.commitOf(`refs/remotes/origin/${base}`);
  if (baseCommit === undefined) {
    throw new InputError(
      `origin/${base} is not known in this clone: run \`git fetch origin ${base}\`, or pass --base with the branch to propose changes to`,
    );
  }
  const repository = repositoryFrom(options.env.GITHUB_REPOSITORY, originUrl);
  if (repository === undefined && !options.dryRun) {
    throw new InputError(
      'cannot tell which GitHub repository origin is (its URL is not a GitHub-style URL): set GITHUB_REPOSITORY=owner/repo',
    );
  }
  if ((await git.treeOf('HEAD')) !== (await git.treeOf(baseCommit))) {
    throw new InputError(
      `HEAD is not origin/${base}: readme-gen pr renders from this work tree and commits onto origin/${base}, so check that out first (git checkout ${base} && git pull --ff-only), or pass --base with the branch you are on`,
    );
  }
  return { base, baseCommit, branch, repository };
}

function loadPrConfig(configPath: string | undefined, options: PrOptions): ResolvedConfig {
  return loadConfig({
    cwd: options.cwd,
    allowOutside: options.allowOutside ?? false,
    ...(configPath === undefined ? {} : { configPath }),
    ...(options.overrides ? { overrides: options.overrides } : {}),
  });
}

function ownedBy(config: ResolvedConfig, root: string): Owned {
  if (config.statePath === undefined) {
    throw new InputError(
      `${config.source}: readme-gen pr records the registry state next to the README so a reviewer sees what changed; set state: (e.g. state: state.json)`,
    );
  }
  return { config, readme: repoPath(root, config.outputPath), state: repoPath(root, config.statePath) };
}

/** The work tree may differ from HEAD only in the files the run writes: the commit is rendered from committed inputs. */
async function refuseOtherChanges(git: GitRepository, owned: readonly Owned[]): Promise<void> {
  const targets = new Set(owned.flatMap((image) => [image.state, image.readme]));
  const foreign = (await git.modifiedTrackedFiles()).filter((file) => !targets.has(file));
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 5).join(', ') + (foreign.length > 5 ? ` and ${foreign.length - 5} more` : '');
    throw new InputError(
      `uncommitted changes in ${shown}: readme-gen pr proposes only README and state changes, rendered from committed inputs; commit or stash the others first (git stash)`,
    );
  }
}

type Refreshed = Omit<PlanImage, 'files'> & { files: Omit<PlanFile, 'before' | 'sameAsBase'>[] };

/** Each image's state, read from its registry, and the README `render --write` would write from it. */
async function refresh(owned: readonly Owned[], options: PrOptions): Promise<Refreshed[]> {
  const images: Refreshed[] = [];
  for (const { config, readme, state: statePath } of owned) {
    const { state } = await fetchState({ ...config, previous: recordedState(config.statePath as string, statePath) }, options.fetch);
    const trust = await trustFor(config, options.cwd, state, { live: true, fetch: options.fetch });
    const rendered = renderReadmeFile(config, state, trust, readIfExists(config.outputPath, readme), {
      label: readme,
      allowUnverified: options.allowUnverified ?? false,
    });
    images.push({
      name: config.name,
      location: config.location,
      primaryTag: primaryTagOf(config, state),
      state,
      files: [
        { path: readme, kind: 'readme', content: rendered.content },
        { path: statePath, kind: 'state', content: serializeState(state) },
      ],
    });
  }
  return images;
}

/**
 * The state the work tree holds (the committed one: pr refuses other changes),
 * so what it says under a digest is not fetched again; none when it is
 * missing or not a valid state, which the run then replaces.
 */
function recordedState(file: string, label: string): ImageState | undefined {
  const text = readIfExists(file, label, 'the state file');
  const committed = text === undefined ? undefined : committedState(text, label);
  return committed && 'state' in committed ? committed.state : undefined;
}

/** The images with what the base commit holds at each of their files. */
async function withBase(git: GitRepository, baseCommit: string, images: readonly Refreshed[]): Promise<PlanImage[]> {
  const planned: PlanImage[] = [];
  for (const image of images) {
    const files: PlanFile[] = [];
    for (const file of image.files) {
      const onBase = await git.entryAt(baseCommit, file.path);
      if (onBase === undefined) {
        files.push({ ...file, before: undefined });
        continue;
      }
      const sameAsBase = onBase.blob === (await git.hashObject(file.content, file.path, false));
      files.push({ ...file, before: await git.readBlob(onBase.blob), sameAsBase });
    }
    planned.push({ ...image, files });
  }
  return planned;
}

/** `file` from the repository root, with forward slashes; its directory must exist inside the repository. */
function repoPath(root: string, file: string): string {
  let directory: string;
  try {
    directory = realpathSync(path.dirname(file));
  } catch {
    throw new InputError(`${file}: its directory does not exist`);
  }
  const realRoot = realpathSync(root);
  const real = path.join(directory, path.basename(file));
  const relative = path.relative(realRoot, real);
  if (relative === '' || !isInside(realRoot, real))
    throw new InputError(`${file} is outside the git repository at ${root}; readme-gen pr can only commit files inside it`);
  return relative.split(path.sep).join('/');
}
