import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError, RemoteError } from '../errors.js';
import { redact } from './redact.js';

/**
 * The git adapter for `readme-gen pr`: real git, run with execFile (no shell),
 * never given a credential on its command line or in a URL. Pushing uses
 * whatever credentials the clone already has (in GitHub Actions, the ones
 * actions/checkout left). The commit is built with plumbing in a temporary
 * index, so the work tree, the index, HEAD and the current branch are never
 * touched.
 */

/** Who commits when the environment does not say: the identity GitHub shows as the Actions bot. */
export const BOT_IDENTITY = { name: 'github-actions[bot]', email: '41898282+github-actions[bot]@users.noreply.github.com' } as const;

export interface GitOptions {
  /** the environment git runs in; credentials readme-gen holds are removed from it by the caller */
  env: NodeJS.ProcessEnv;
  /** strings never to print, should git echo them */
  secrets?: readonly string[];
}

export interface FileEntry {
  path: string;
  mode: string;
  blob: string;
}

interface GitRun {
  stdout: string;
  stderr: string;
  code: number;
}

const MAX_OUTPUT = 512 * 2 ** 20;

export class GitRepository {
  readonly root: string;
  readonly #env: NodeJS.ProcessEnv;
  readonly #secrets: readonly string[];

  private constructor(root: string, options: GitOptions) {
    this.root = root;
    // Never wait for a password prompt: in CI nobody answers it.
    this.#env = { ...options.env, GIT_TERMINAL_PROMPT: '0', GCM_INTERACTIVE: 'never' };
    this.#secrets = options.secrets ?? [];
  }

  /** The work tree `cwd` is in; exit 2 when there is none. */
  static async open(cwd: string, options: GitOptions): Promise<GitRepository> {
    const probe = new GitRepository(cwd, options);
    const result = await probe.#run(['rev-parse', '--is-inside-work-tree', '--show-toplevel']);
    const [inside, root] = result.stdout.split('\n');
    if (result.code !== 0 || inside !== 'true' || !root) {
      throw new InputError(
        `${cwd} is not inside a git work tree: readme-gen pr commits and pushes with git, so run it in a clone of the repository (in a workflow, after actions/checkout)`,
      );
    }
    return new GitRepository(root, options);
  }

  /** The commit `ref` names, or undefined. */
  async commitOf(ref: string): Promise<string | undefined> {
    const result = await this.#run(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
    return result.code === 0 ? result.stdout.trim() : undefined;
  }

  async treeOf(commit: string): Promise<string> {
    return (await this.#check(['rev-parse', '--verify', '--end-of-options', `${commit}^{tree}`])).trim();
  }

  /** The first parent of `commit`, undefined for a root commit. */
  async parentOf(commit: string): Promise<string | undefined> {
    const result = await this.#run(['rev-parse', '--verify', '--quiet', '--end-of-options', `${commit}^1`]);
    return result.code === 0 ? result.stdout.trim() : undefined;
  }

  /** Whether `name` is a valid branch name. */
  async isValidBranchName(name: string): Promise<boolean> {
    return (await this.#run(['check-ref-format', '--branch', name])).code === 0;
  }

  /** origin's URL, or undefined when there is no origin. May hold credentials: never print it unredacted. */
  async originUrl(): Promise<string | undefined> {
    const result = await this.#run(['remote', 'get-url', 'origin']);
    return result.code === 0 ? result.stdout.trim() : undefined;
  }

  /**
   * origin's default branch: what refs/remotes/origin/HEAD points to (git
   * clone sets it), else what origin says its HEAD is, else undefined.
   */
  async originDefaultBranch(): Promise<string | undefined> {
    const local = await this.#run(['symbolic-ref', '--quiet', 'refs/remotes/origin/HEAD']);
    if (local.code === 0) return local.stdout.trim().replace(/^refs\/remotes\/origin\//, '');
    const remote = await this.#run(['ls-remote', '--symref', 'origin', 'HEAD']);
    return /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(remote.stdout)?.[1];
  }

  /** Paths (from the root) of tracked files whose work-tree or index content differs from HEAD. */
  async modifiedTrackedFiles(): Promise<string[]> {
    const output = await this.#check(['status', '--porcelain=v1', '-z', '--untracked-files=no', '--ignore-submodules=none']);
    const entries = output.split('\0');
    const paths: string[] = [];
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i] ?? '';
      if (entry.length < 4) continue;
      paths.push(entry.slice(3));
      // A rename or copy is followed by its source path.
      if (entry[0] === 'R' || entry[0] === 'C') paths.push(entries[++i] ?? '');
    }
    return paths.filter((file) => file !== '');
  }

  /** The mode and blob of `file` in `commit`, or undefined when it has none. */
  async entryAt(commit: string, file: string): Promise<{ mode: string; blob: string } | undefined> {
    const output = await this.#check(['ls-tree', '-z', '--full-tree', commit, '--', file]);
    const match = /^(\d+) blob ([0-9a-f]+)\t/.exec(output);
    return match?.[1] && match[2] ? { mode: match[1], blob: match[2] } : undefined;
  }

  async readBlob(blob: string): Promise<string> {
    return this.#check(['cat-file', 'blob', blob]);
  }

  /** The blob id `content` gets at `file` (clean filters and line-ending rules applied); stored only when `write`. */
  async hashObject(content: string, file: string, write: boolean): Promise<string> {
    return (await this.#check(['hash-object', ...(write ? ['-w'] : []), `--path=${file}`, '--stdin'], content)).trim();
  }

  /** The tree of `base` with `entries` put in, written without touching the real index. */
  async treeWith(base: string, entries: readonly FileEntry[]): Promise<string> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'readme-gen-index-'));
    const env = { GIT_INDEX_FILE: path.join(dir, 'index') };
    try {
      await this.#check(['read-tree', base], undefined, env);
      for (const entry of entries)
        await this.#check(['update-index', '--add', '--cacheinfo', `${entry.mode},${entry.blob},${entry.path}`], undefined, env);
      return (await this.#check(['write-tree'], undefined, env)).trim();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /**
   * A commit of `tree` on `parent`. Author and committer come from
   * GIT_AUTHOR_* / GIT_COMMITTER_* when set, else are github-actions[bot];
   * git config's user.name and user.email are not consulted.
   */
  async commitTree(tree: string, parent: string, message: string): Promise<string> {
    const identity: Record<string, string> = {};
    for (const role of ['AUTHOR', 'COMMITTER'] as const) {
      if (!this.#env[`GIT_${role}_NAME`]) identity[`GIT_${role}_NAME`] = BOT_IDENTITY.name;
      if (!this.#env[`GIT_${role}_EMAIL`]) identity[`GIT_${role}_EMAIL`] = BOT_IDENTITY.email;
    }
    return (await this.#check(['commit-tree', tree, '-p', parent, '-F', '-'], message, identity)).trim();
  }

  /** The commit origin's `branch` points at, or undefined when origin has no such branch. */
  async remoteBranch(branch: string): Promise<string | undefined> {
    const ref = `refs/heads/${branch}`;
    const result = await this.#run(['ls-remote', 'origin', ref]);
    if (result.code !== 0) throw new RemoteError(`git ls-remote origin ${ref} failed: ${this.#explain(result)}`);
    for (const line of result.stdout.split('\n')) {
      const [sha, name] = line.split('\t');
      if (name === ref && sha) return sha;
    }
    return undefined;
  }

  /** Makes `commit` of origin's `branch` available here (into refs/remotes/origin/<branch>) when it is not yet. */
  async ensureFetched(branch: string, commit: string): Promise<void> {
    if ((await this.#run(['cat-file', '-e', `${commit}^{commit}`])).code === 0) return;
    const result = await this.#run(['fetch', '--quiet', '--no-tags', 'origin', `+refs/heads/${branch}:refs/remotes/origin/${branch}`]);
    if (result.code !== 0) throw new RemoteError(`git fetch origin ${branch} failed: ${this.#explain(result)}`);
  }

  /**
   * Points origin's `branch` at `commit`, whatever it held, but only if it
   * still holds `expected` (undefined: does not exist) — another run's push in
   * between fails this one instead of being lost.
   */
  async forcePush(commit: string, branch: string, expected: string | undefined): Promise<void> {
    const ref = `refs/heads/${branch}`;
    const result = await this.#run(['push', '--quiet', `--force-with-lease=${ref}:${expected ?? ''}`, 'origin', `${commit}:${ref}`]);
    if (result.code !== 0) throw new RemoteError(`git push to origin ${branch} failed: ${this.#explain(result)}`);
  }

  async #check(args: string[], input?: string, env?: Record<string, string>): Promise<string> {
    const result = await this.#run(args, input, env);
    if (result.code !== 0) throw new InputError(`git ${args[0]} failed in ${this.root}: ${this.#explain(result)}`);
    return result.stdout;
  }

  #explain(result: GitRun): string {
    const text = redact(result.stderr.trim() || `exit status ${result.code}`, this.#secrets);
    return text.split('\n').slice(-6).join(' / ');
  }

  #run(args: string[], input?: string, env?: Record<string, string>): Promise<GitRun> {
    return new Promise((resolve, reject) => {
      const child = execFile(
        'git',
        args,
        { cwd: this.root, env: { ...this.#env, ...env }, encoding: 'utf8', maxBuffer: MAX_OUTPUT },
        (error, stdout, stderr) => {
          if (error && typeof error.code !== 'number') {
            const code = String(error.code ?? error.message);
            reject(
              code === 'ENOENT'
                ? new InputError('git is not installed or not on PATH; readme-gen pr needs it to commit and push')
                : new InputError(`cannot run git ${args[0]} (${code})`, { cause: error }),
            );
            return;
          }
          resolve({ stdout, stderr, code: error ? Number(error.code) : 0 });
        },
      );
      child.stdin?.on('error', () => {
        // git may exit before reading all of its input; its exit status says what went wrong.
      });
      child.stdin?.end(input ?? '');
    });
  }
}
