import path from 'node:path';
import { loadConfig } from '../config/load-config.js';
import type { ConfigOverrides } from '../config/readme-gen-config.js';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { noteFile } from '../fs/input-log.js';
import { readIfExists } from '../fs/read-if-exists.js';
import type { FetchOptions } from '../registry/fetch-state.js';
import { loadState } from '../state/load-state.js';
import type { ResolvedConfig } from '../config/readme-gen-config.js';
import { readmeView } from '../render/render-readme.js';
import type { ReadmeView } from '../render/view-model.js';
import type { Trust } from '../signatures/trusted-root.js';
import type { ImageState } from '../state/image-state.js';
import { renderReadmeFile } from './readme-file.js';
import { keptChecks, trustFor } from './trust.js';

/** print: the file to stdout; write: update it; check: compare, exit 1 when stale; diff: show the change. */
export type RenderMode = 'print' | 'write' | 'check' | 'diff';

export interface RenderOptions {
  cwd: string;
  mode: RenderMode;
  configPath?: string;
  overrides?: ConfigOverrides;
  /** Render signatures that fail verification with a visible warning instead of exiting 4. */
  allowUnverified?: boolean;
  /** How to read the registry when there is no state file to render from. */
  fetch: FetchOptions;
  /** dockerhub: the README as a Docker Hub description, to stdout or --output */
  profile?: 'dockerhub';
  /** a config may name files outside its repository */
  allowOutside?: boolean;
}

export interface RenderResult {
  /** The output file, relative to cwd. */
  output: string;
  /** What the output file should contain: the whole README, or the hand-written file with its region filled. */
  content: string;
  /** The output file as it was on disk, undefined when missing. */
  previous: string | undefined;
  upToDate: boolean;
  /** Unified diff from the file on disk to content; empty when up to date. */
  diff: string;
  written: boolean;
}

export async function render(options: RenderOptions): Promise<RenderResult> {
  const config = loadConfig(options);
  const output = outputName(options.cwd, config);
  if (options.profile === 'dockerhub' && options.mode !== 'print' && options.overrides?.output === undefined) {
    throw new InputError(
      `--profile dockerhub would replace ${output} with the Docker Hub version; give it its own file with --output, e.g. --output README.dockerhub.md`,
    );
  }
  const { state, trust } = await stateAndTrust(config, options);
  const previous = readIfExists(config.outputPath, output, 'the output file');
  const { content } = renderReadmeFile(config, state, trust, previous, {
    label: output,
    allowUnverified: options.allowUnverified ?? false,
    kept: keptChecks(options.fetch),
    ...(options.profile === undefined ? {} : { profile: options.profile }),
  });
  const upToDate = previous === content;
  const diff = upToDate ? '' : (await import('../diff/unified-diff.js')).unifiedDiff(output, previous ?? '', content);
  const result: RenderResult = { output, content, previous, upToDate, diff, written: false };
  if (options.mode === 'write' && !upToDate) {
    writeFileAtomic(config.outputPath, content, output);
    // What the file holds now: a later run finds it up to date while it still holds that (see KeptRenders).
    noteFile(config.outputPath, content);
    result.written = true;
  }
  return result;
}

/**
 * `render --print-view`: the view the config's template would be rendered
 * over — the fields a template can use, with this image's values — without
 * rendering the template, so that a template that fails can be fixed against it.
 */
export async function renderView(options: Omit<RenderOptions, 'mode' | 'profile'>): Promise<{ output: string; view: ReadmeView }> {
  const config = loadConfig(options);
  const { state, trust } = await stateAndTrust(config, options);
  const { view } = readmeView(config, state, trust, { allowUnverified: options.allowUnverified ?? false, kept: keptChecks(options.fetch) });
  return { output: outputName(options.cwd, config), view };
}

/** The output file as messages name it: relative to the working directory. */
function outputName(cwd: string, config: ResolvedConfig): string {
  return path.relative(cwd, config.outputPath) || config.outputPath;
}

async function stateAndTrust(
  config: ResolvedConfig,
  options: Pick<RenderOptions, 'cwd' | 'fetch'>,
): Promise<{ state: ImageState; trust: Trust }> {
  // No state file: the registry, live; and then the trusted root is refreshed too.
  const live = config.statePath === undefined;
  // The registry client is loaded only when used: an up-to-date check from committed state does not need it.
  const state =
    config.statePath === undefined
      ? (await (await import('../registry/fetch-state.js')).fetchState(config, options.fetch)).state
      : loadState(config.statePath, options.cwd);
  const trust = await trustFor(config, options.cwd, state, { live, fetch: options.fetch });
  return { state, trust };
}
