import path from 'node:path';
import { loadConfig } from '../config/load-config.js';
import type { ConfigOverrides, ResolvedConfig } from '../config/readme-gen-config.js';
import { InputError } from '../errors.js';
import { writeFileAtomicAsync } from '../fs/atomic-write.js';
import { readIfExists } from '../fs/read-if-exists.js';
import { type StateChanges, summarizeStateChanges } from '../pr/state-changes.js';
import { type FetchOptions, type FetchResult, fetchState, imagesInFlight } from '../registry/fetch-state.js';
import { primaryTagOf } from '../render/primary-tag.js';
import type { ImageState } from '../state/image-state.js';
import { parseState } from '../state/load-state.js';
import { serializeState } from '../state/serialize-state.js';
import { sideBySide } from './side-by-side.js';
import { refreshTrustedRootFor } from './trust.js';

export interface SnapshotOptions {
  cwd: string;
  configPath?: string;
  /** --out sets the state file here, as a `state` override */
  overrides?: ConfigOverrides;
  /** a config may name files outside its repository */
  allowOutside?: boolean;
  /** compare with the committed state and write nothing */
  check?: boolean;
  fetch: FetchOptions;
}

export interface SnapshotResult extends Omit<FetchResult, 'state'> {
  /** the state file, relative to cwd */
  output: string;
  /** the state file held exactly what the registry says */
  upToDate: boolean;
  /** the state file did not exist */
  missing: boolean;
  written: boolean;
  /** what changed from the state file to the registry; undefined when up to date or when the file is not a valid state */
  changes: StateChanges | undefined;
  /** why the state file on disk is not a valid state, when it is not */
  invalid?: string;
  tags: number;
  digests: number;
}

/**
 * Reads the registry and writes the image state, atomically, only when it
 * changed; with `check`, compares instead and writes nothing.
 */
export async function snapshot(options: SnapshotOptions): Promise<SnapshotResult> {
  const config = loadConfig(options);
  const file = config.statePath;
  if (file === undefined) throw new InputError(`${config.source}: nowhere to write the state; set state: in the config or pass --out FILE`);
  const output = path.relative(options.cwd, file) || file;
  // Read before the registry, so a state file that cannot be read fails at once.
  const previous = readIfExists(file, output, 'the state file');
  const committed = previous === undefined ? { state: undefined } : committedState(previous, output);
  // What the committed state says under a digest is not fetched again; --check, whose job is to
  // compare the file with the registry, reads everything.
  const reuse = !options.check && 'state' in committed ? committed.state : undefined;
  const { state, requests, cache } = await fetchState({ ...config, previous: reuse }, options.fetch);
  // The render that follows, even offline, verifies against the root refreshed now.
  await refreshTrustedRootFor(config, state, options.fetch);
  const text = serializeState(state);
  const upToDate = previous === text;
  const written = !upToDate && !options.check;
  if (written) await writeFileAtomicAsync(file, text, output);
  const result: SnapshotResult = {
    output,
    upToDate,
    missing: previous === undefined,
    written,
    changes: undefined,
    tags: state.tags.length,
    digests: Object.keys(state.images).length,
    requests,
    cache,
  };
  if (upToDate) return result;
  if ('problem' in committed) result.invalid = committed.problem;
  else result.changes = summarizeStateChanges(committed.state, state, signerTag(config, state));
  return result;
}

export interface SnapshotAllOptions extends Omit<SnapshotOptions, 'configPath'> {
  /** the configs to snapshot, in the order their results and warnings are given; undefined: readme-gen.yaml in cwd */
  configs: readonly (string | undefined)[];
}

/**
 * Every config's snapshot, several images at once over the one session in
 * `fetch` (see sideBySide): many small images on one registry host keep that
 * host's request limit busy instead of waiting image after image.
 */
export async function snapshotAll(options: SnapshotAllOptions): Promise<SnapshotResult[]> {
  const { configs, fetch, ...common } = options;
  return sideBySide({ cwd: common.cwd, configs, fetch, inFlight: imagesInFlight(fetch) }, (configPath, imageFetch) =>
    snapshot({ ...common, ...(configPath === undefined ? {} : { configPath }), fetch: imageFetch }),
  );
}

/**
 * The tag whose signer the summary compares: the configured primary tag even
 * when the registry no longer has it (the summary says it was removed; render
 * refuses it), else the tag the README would show; none when no tag is shown.
 */
function signerTag(config: ResolvedConfig, state: ImageState): string {
  if (config.primaryTag !== undefined) return config.primaryTag.name;
  try {
    return primaryTagOf(config, state);
  } catch (error) {
    if (error instanceof InputError) return '';
    throw error;
  }
}

/** The state on disk, to compare with; one that is not valid cannot be compared, and says why. */
export function committedState(text: string, label: string): { state: ImageState | undefined } | { problem: string } {
  try {
    return { state: parseState(text, label) };
  } catch (error) {
    if (error instanceof InputError) return { problem: error.message };
    throw error;
  }
}
