import { InputError } from '../errors.js';
import type { ImageState } from '../state/image-state.js';
import { parseState } from '../state/load-state.js';
import { type FileChange, type ImageUpdate, type PullRequestContent, pullRequestContent } from './pull-request.js';
import { summarizeStateChanges } from './state-changes.js';

/**
 * What `readme-gen pr` will do, decided from values alone: the refreshed
 * states and files and what the base branch holds go in; the files for the
 * work tree, the commit's files, its message, and the pull request's title and
 * body come out. Nothing here runs git or reaches the network, so a dry run
 * prints exactly what a real run applies (commands/apply-plan.ts), and tests
 * build a plan from fixture states and texts.
 */

/** One README or state file of an image: as the refresh made it, and as the base branch has it. */
export interface PlanFile {
  /** from the repository root, with forward slashes */
  path: string;
  kind: FileChange['kind'];
  /** after the refresh */
  content: string;
  /** on the base branch; undefined: the base has no such file */
  before: string | undefined;
  /**
   * Whether the base already holds `content` as git stores it, its clean
   * filters and line-ending rules applied (a CRLF work tree and an LF blob are
   * the same file). Left out: when `before` is `content`.
   */
  sameAsBase?: boolean;
}

export interface PlanImage {
  name: string;
  location: string;
  /** the tag whose signer the pull request compares: the one the README's Signing section shows */
  primaryTag: string;
  /** as just read from the registry */
  state: ImageState;
  /** the image's README and state file */
  files: PlanFile[];
}

export interface PlanInput {
  /** the branch proposed to */
  base: string;
  /** the commit of the base the change is built on */
  baseCommit: string;
  /** the branch rebuilt from the base and force-pushed */
  branch: string;
  /** owner/repo, where the pull request goes; undefined when origin is not on GitHub and GITHUB_REPOSITORY is unset (only a dry run gets this far) */
  repository: string | undefined;
  images: PlanImage[];
}

/** A file as the work tree gets it. */
export interface PlannedFile {
  path: string;
  content: string;
}

interface PlanTarget {
  base: string;
  baseCommit: string;
  branch: string;
  repository: string | undefined;
  /** every file the images own, as refreshed: the work tree gets each, whether or not the base differs */
  files: PlannedFile[];
}

/** Nothing differs from the base: nothing to commit, push or propose. */
export interface UnchangedPlan extends PlanTarget {
  updates: [];
  content: undefined;
}

/** Files differ from the base: one commit of them on the base, and the pull request that proposes it. */
export interface ProposedPlan extends PlanTarget {
  /** the images whose files differ, each with only those files: what the commit holds */
  updates: ImageUpdate[];
  content: PullRequestContent;
}

export type PrPlan = UnchangedPlan | ProposedPlan;

export function planPullRequest(input: PlanInput): PrPlan {
  const { base, baseCommit, branch, repository } = input;
  const files = workTreeFiles(input.images);
  const committed = new Set<string>();
  const updates: ImageUpdate[] = [];
  for (const image of input.images) {
    const changed: FileChange[] = [];
    for (const file of image.files) {
      // A file two configs share (with the same content, see workTreeFiles) is committed once, under the first.
      if ((file.sameAsBase ?? file.before === file.content) || committed.has(file.path)) continue;
      committed.add(file.path);
      changed.push({ path: file.path, kind: file.kind, before: file.before, after: file.content });
    }
    if (changed.length === 0) continue;
    const previous = previousState(image, base);
    updates.push({
      name: image.name,
      location: image.location,
      files: changed,
      changes: previous === undefined ? undefined : summarizeStateChanges(previous, image.state, image.primaryTag),
    });
  }
  if (updates.length === 0) return { base, baseCommit, branch, repository, files, updates: [], content: undefined };
  return { base, baseCommit, branch, repository, files, updates, content: pullRequestContent(updates, { base, branch }) };
}

/** Each file once; two configs may share one only if they agree on what it holds. */
function workTreeFiles(images: readonly PlanImage[]): PlannedFile[] {
  const files = new Map<string, string>();
  for (const file of images.flatMap((image) => image.files)) {
    const other = files.get(file.path);
    if (other !== undefined && other !== file.content)
      throw new InputError(`${file.path}: two configs write this file with different content; give each its own`);
    files.set(file.path, file.content);
  }
  return [...files].map(([path, content]) => ({ path, content }));
}

/** The state the base branch records for the image; undefined when it has none that reads as a state. */
function previousState(image: PlanImage, base: string): ImageState | undefined {
  const file = image.files.find((candidate) => candidate.kind === 'state');
  if (file?.before === undefined) return undefined;
  try {
    return parseState(file.before, `origin/${base}:${file.path}`);
  } catch {
    return undefined; // the body then says the state is recorded afresh
  }
}
