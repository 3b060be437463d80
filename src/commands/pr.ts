import { realpathSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config/load-config.js';
import type { ConfigOverrides } from '../config/readme-gen-config.js';
import type { ResolvedConfig } from '../config/readme-gen-config.js';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { readIfExists } from '../fs/read-if-exists.js';
import { type FileEntry, GitRepository } from '../integrations/git.js';
import { GitHubClient, type PullRequest, type Repository, repositoryFrom } from '../integrations/github.js';
import { applyToReadme } from '../markdown/inject-region.js';
import { type FileChange, type ImageUpdate, type PullRequestContent, pullRequestContent } from '../pr/pull-request.js';
import { summarizeStateChanges } from '../pr/state-changes.js';
import { type FetchOptions, fetchState } from '../registry/fetch-state.js';
import { primaryTagOf } from '../render/primary-tag.js';
import { renderReadme } from '../render/render-readme.js';
import { loadTemplateSet } from '../render/template-set.js';
import type { ImageState } from '../state/image-state.js';
import { serializeState } from '../state/serialize-state.js';
import { parseValidated } from '../validation/validate-document.js';
import { type TrustSource, trustFor } from './trust.js';

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

export interface PrPlan {
  base: string;
  baseCommit: string;
  branch: string;
  repository: Repository | undefined;
  updates: ImageUpdate[];
  content: PullRequestContent;
}

export type PrResult =
  | { outcome: 'unchanged'; base: string; files: string[] }
  | { outcome: 'planned'; plan: PrPlan }
  | { outcome: 'opened' | 'updated' | 'up-to-date'; plan: PrPlan; pushed: boolean; commit: string; pullRequest: PullRequest };

/** One README or state file an image owns, with what it holds after the refresh. */
interface Target {
  /** from the repository root, forward slashes */
  path: string;
  absolute: string;
  kind: FileChange['kind'];
  content: string;
}

/**
 * `readme-gen pr`: refresh each image's state from its registry, render its
 * README, and when any of those files differs from the base branch, put them
 * in one commit on a fixed branch rebuilt from the base, force-push it, and
 * open the branch's pull request or bring the open one up to date.
 *
 * Planning (what changed, the commit message, title and body) happens before
 * anything is written; a dry run stops there. A real run then writes the
 * files into the work tree (as snapshot and render --write would), builds the
 * commit in a temporary index (HEAD, the index and the current branch stay as
 * they are), pushes only when the branch does not already hold exactly this
 * change, and writes to the API only what differs.
 */
export async function pr(options: PrOptions): Promise<PrResult> {
  const { cwd, dryRun } = options;
  const branch = options.branch ?? DEFAULT_BRANCH;
  if (!dryRun && options.github === undefined) throw new Error('pr: a real run needs the GitHub token');
  const git = await GitRepository.open(cwd, { env: options.env, ...(options.github ? { secrets: [options.github.token] } : {}) });

  if (!(await git.isValidBranchName(branch))) throw new InputError(`--branch ${branch}: not a valid git branch name`);
  const originUrl = await git.originUrl();
  if (originUrl === undefined) throw new InputError('this clone has no remote named origin: readme-gen pr pushes its branch to origin');
  const base = options.base ?? (await git.originDefaultBranch()) ?? 'main';
  if (!(await git.isValidBranchName(base))) throw new InputError(`--base ${base}: not a valid git branch name`);
  if (base === branch) throw new InputError(`--branch ${branch} is the base branch; readme-gen pr force-pushes its branch, so give it one of its own`);
  const baseCommit = await git.commitOf(`refs/remotes/origin/${base}`);
  if (baseCommit === undefined) {
    throw new InputError(`origin/${base} is not known in this clone: run \`git fetch origin ${base}\`, or pass --base with the branch to propose changes to`);
  }
  const repository = repositoryFrom(options.env.GITHUB_REPOSITORY, originUrl);
  if (repository === undefined && !dryRun) {
    throw new InputError('cannot tell which GitHub repository origin is (its URL is not a GitHub-style URL): set GITHUB_REPOSITORY=owner/repo');
  }
  if ((await git.treeOf('HEAD')) !== (await git.treeOf(baseCommit))) {
    throw new InputError(
      `HEAD is not origin/${base}: readme-gen pr renders from this work tree and commits onto origin/${base}, so check that out first (git checkout ${base} && git pull --ff-only), or pass --base with the branch you are on`,
    );
  }

  const configs = options.configPaths.map((configPath) =>
    loadConfig({
      cwd,
      allowOutside: options.allowOutside ?? false,
      ...(configPath === undefined ? {} : { configPath }),
      ...(options.overrides ? { overrides: options.overrides } : {}),
    }),
  );
  const owned = configs.map((config) => ownedFiles(config, git.root));
  const targets = new Set(owned.flatMap((files) => [files.state, files.readme]).map((file) => file.path));
  const foreign = (await git.modifiedTrackedFiles()).filter((file) => !targets.has(file));
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 5).join(', ') + (foreign.length > 5 ? ` and ${foreign.length - 5} more` : '');
    throw new InputError(`uncommitted changes in ${shown}: readme-gen pr proposes only README and state changes, rendered from committed inputs; commit or stash the others first (git stash)`);
  }

  // Refresh every image before writing anything: a registry or signature failure leaves no half-done work.
  const refreshed: { config: ResolvedConfig; state: ImageState; files: Target[] }[] = [];
  for (const [index, config] of configs.entries()) {
    const files = owned[index] as { state: Omit<Target, 'content'>; readme: Omit<Target, 'content'> };
    const { state } = await fetchState(config, options.fetch);
    const readme = await renderInMemory(config, state, cwd, options.allowUnverified ?? false, files.readme.path, { live: true, fetch: options.fetch });
    refreshed.push({
      config,
      state,
      files: [
        { ...files.readme, content: readme },
        { ...files.state, content: serializeState(state) },
      ],
    });
  }
  const written = new Map<string, string>();
  for (const { files } of refreshed) {
    for (const file of files) {
      if (written.has(file.path) && written.get(file.path) !== file.content) throw new InputError(`${file.path}: two configs write this file with different content; give each its own`);
      written.set(file.path, file.content);
    }
  }

  const updates: ImageUpdate[] = [];
  const entries: FileEntry[] = [];
  for (const { config, state, files } of refreshed) {
    const changed: FileChange[] = [];
    let previous: ImageState | undefined;
    for (const file of files) {
      const onBase = await git.entryAt(baseCommit, file.path);
      const blob = await git.hashObject(file.content, file.path, !dryRun);
      const before = onBase ? await git.readBlob(onBase.blob) : undefined;
      if (file.kind === 'state' && before !== undefined) previous = readPreviousState(before, `origin/${base}:${file.path}`);
      if (onBase?.blob === blob || entries.some((entry) => entry.path === file.path)) continue;
      changed.push({ path: file.path, kind: file.kind, before, after: file.content });
      entries.push({ path: file.path, mode: onBase?.mode ?? '100644', blob });
    }
    if (changed.length === 0) continue;
    updates.push({
      name: config.name,
      location: config.location,
      files: changed,
      changes: previous === undefined ? undefined : summarizeStateChanges(previous, state, primaryTagOf(config, state)),
    });
  }

  if (!dryRun) writeWorkTree(refreshed.flatMap((image) => image.files), options.log);
  if (updates.length === 0) return { outcome: 'unchanged', base, files: refreshed.flatMap((image) => image.files.map((file) => file.path)) };

  const plan: PrPlan = { base, baseCommit, branch, repository, updates, content: pullRequestContent(updates, { base, branch }) };
  if (dryRun) return { outcome: 'planned', plan };

  const github = options.github as { apiUrl: string; token: string };
  const tree = await git.treeWith(baseCommit, entries);
  const remote = await git.remoteBranch(branch);
  let commit: string;
  let pushed = false;
  if (remote !== undefined && (await sameChange(git, branch, remote, tree, baseCommit))) {
    commit = remote;
    options.log(`origin/${branch} already holds this change; nothing pushed`);
  } else {
    commit = await git.commitTree(tree, baseCommit, plan.content.commitMessage);
    await git.forcePush(commit, branch, remote);
    pushed = true;
    options.log(`pushed ${commit.slice(0, 12)} to origin/${branch} (${entries.map((entry) => entry.path).join(', ')} on origin/${base})`);
  }

  const client = new GitHubClient({ apiUrl: github.apiUrl, token: github.token, repository: repository as Repository });
  try {
    const wanted = { title: plan.content.title, body: plan.content.body, base };
    const existing = await client.findOpenPullRequest(branch);
    if (existing === undefined) {
      const created = await client.createPullRequest(branch, wanted);
      return { outcome: 'opened', plan, pushed, commit, pullRequest: created };
    }
    const patch: Partial<typeof wanted> = {};
    if (existing.title !== wanted.title) patch.title = wanted.title;
    if (existing.body !== wanted.body) patch.body = wanted.body;
    if (existing.base !== wanted.base) patch.base = wanted.base;
    if (Object.keys(patch).length === 0) return { outcome: 'up-to-date', plan, pushed, commit, pullRequest: existing };
    const updated = await client.updatePullRequest(existing.number, patch);
    return { outcome: 'updated', plan, pushed, commit, pullRequest: updated };
  } finally {
    await client.close();
  }
}

/** Whether origin's branch is already one commit on `baseCommit` with exactly `tree`. */
async function sameChange(git: GitRepository, branch: string, remote: string, tree: string, baseCommit: string): Promise<boolean> {
  await git.ensureFetched(branch, remote);
  return (await git.treeOf(remote)) === tree && (await git.parentOf(remote)) === baseCommit;
}

/**
 * What `render --write` would write, without writing it: the config's
 * template over `state`, put into the README on disk (its region only, in
 * inject mode). Mirrors src/commands/render.ts, which reads the state from
 * its file; here the state is the one just fetched.
 */
async function renderInMemory(config: ResolvedConfig, state: ImageState, cwd: string, allowUnverified: boolean, label: string, source: TrustSource): Promise<string> {
  const generated = renderReadme(config, state, loadTemplateSet(config.template), await trustFor(config, cwd, state, source), { allowUnverified });
  return applyToReadme(readIfExists(config.outputPath, label), generated, label);
}

function ownedFiles(config: ResolvedConfig, root: string): { readme: Omit<Target, 'content'>; state: Omit<Target, 'content'> } {
  if (config.statePath === undefined) {
    throw new InputError(`${config.source}: readme-gen pr records the registry state next to the README so a reviewer sees what changed; set state: (e.g. state: state.json)`);
  }
  return {
    readme: { path: repoPath(root, config.outputPath), absolute: config.outputPath, kind: 'readme' },
    state: { path: repoPath(root, config.statePath), absolute: config.statePath, kind: 'state' },
  };
}

/** `file` from the repository root, with forward slashes; its directory must exist inside the repository. */
function repoPath(root: string, file: string): string {
  let directory: string;
  try {
    directory = realpathSync(path.dirname(file));
  } catch {
    throw new InputError(`${file}: its directory does not exist`);
  }
  const relative = path.relative(realpathSync(root), path.join(directory, path.basename(file)));
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) throw new InputError(`${file} is outside the git repository at ${root}; readme-gen pr can only commit files inside it`);
  return relative.split(path.sep).join('/');
}

function readPreviousState(text: string, label: string): ImageState | undefined {
  try {
    return parseValidated<ImageState>(text, label, 'image-state', 'json');
  } catch {
    return undefined; // the body then says the state is recorded afresh
  }
}

function writeWorkTree(files: readonly Target[], log: (message: string) => void): void {
  for (const file of files) {
    if (readIfExists(file.absolute, file.path) === file.content) continue;
    writeFileAtomic(file.absolute, file.content, file.path);
    log(`wrote ${file.path}`);
  }
}
