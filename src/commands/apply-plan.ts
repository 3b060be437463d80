import path from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { readIfExists } from '../fs/read-if-exists.js';
import type { FileEntry, GitRepository } from '../integrations/git.js';
import type { GitHubClient, PullRequest } from '../integrations/github.js';
import type { PlannedFile, PrPlan, ProposedPlan, UnchangedPlan } from '../pr/plan.js';

/** The pull request calls a run makes (GitHubClient's). */
export type PullRequests = Pick<GitHubClient, 'findOpenPullRequest' | 'createPullRequest' | 'updatePullRequest'>;

export type AppliedPlan =
  | { outcome: 'unchanged'; plan: UnchangedPlan }
  | { outcome: 'opened' | 'updated' | 'up-to-date'; plan: ProposedPlan; pushed: boolean; commit: string; pullRequest: PullRequest };

/**
 * Carries out a plan: writes the files into the work tree (as snapshot and
 * render --write would); when any differs from the base, builds their commit
 * on the base in a temporary index (HEAD, the index and the current branch
 * stay as they are), force-pushes it only when the branch does not already
 * hold exactly this change, and opens the branch's pull request or sends the
 * open one only what differs.
 */
export async function applyPlan(
  plan: PrPlan,
  git: GitRepository,
  github: PullRequests,
  log: (message: string) => void,
): Promise<AppliedPlan> {
  writeWorkTree(git.root, plan.files, log);
  if (plan.content === undefined) return { outcome: 'unchanged', plan };

  const { base, baseCommit, branch, content } = plan;
  const entries: FileEntry[] = [];
  for (const file of plan.updates.flatMap((update) => update.files)) {
    const mode = (await git.entryAt(baseCommit, file.path))?.mode ?? '100644';
    entries.push({ path: file.path, mode, blob: await git.hashObject(file.after, file.path, true) });
  }
  const tree = await git.treeWith(baseCommit, entries);
  const remote = await git.remoteBranch(branch);
  let commit: string;
  let pushed = false;
  if (remote !== undefined && (await sameChange(git, branch, remote, tree, baseCommit))) {
    commit = remote;
    log(`origin/${branch} already holds this change; nothing pushed`);
  } else {
    commit = await git.commitTree(tree, baseCommit, content.commitMessage);
    await git.forcePush(commit, branch, remote);
    pushed = true;
    log(`pushed ${commit.slice(0, 12)} to origin/${branch} (${entries.map((entry) => entry.path).join(', ')} on origin/${base})`);
  }

  const wanted = { title: content.title, body: content.body, base };
  const existing = await github.findOpenPullRequest(branch);
  if (existing === undefined) {
    const created = await github.createPullRequest(branch, wanted);
    return { outcome: 'opened', plan, pushed, commit, pullRequest: created };
  }
  const patch: Partial<typeof wanted> = {};
  if (existing.title !== wanted.title) patch.title = wanted.title;
  if (existing.body !== wanted.body) patch.body = wanted.body;
  if (existing.base !== wanted.base) patch.base = wanted.base;
  if (Object.keys(patch).length === 0) return { outcome: 'up-to-date', plan, pushed, commit, pullRequest: existing };
  const updated = await github.updatePullRequest(existing.number, patch);
  return { outcome: 'updated', plan, pushed, commit, pullRequest: updated };
}

/** Whether origin's branch is already one commit on `baseCommit` with exactly `tree`. */
async function sameChange(git: GitRepository, branch: string, remote: string, tree: string, baseCommit: string): Promise<boolean> {
  await git.ensureFetched(branch, remote);
  return (await git.treeOf(remote)) === tree && (await git.parentOf(remote)) === baseCommit;
}

function writeWorkTree(root: string, files: readonly PlannedFile[], log: (message: string) => void): void {
  for (const file of files) {
    const absolute = path.join(root, ...file.path.split('/'));
    if (readIfExists(absolute, file.path) === file.content) continue;
    writeFileAtomic(absolute, file.content, file.path);
    log(`wrote ${file.path}`);
  }
}
