import path from 'node:path';
import { loadConfig } from '../config/load-config.js';
import type { ConfigOverrides, ResolvedConfig } from '../config/readme-gen-config.js';
import { InputError } from '../errors.js';
import { writeFileAtomicAsync } from '../fs/atomic-write.js';
import { readIfExists } from '../fs/read-if-exists.js';
import { DEFAULT_HTTP_OPTIONS } from '../http/http-client.js';
import { type StateChanges, summarizeStateChanges } from '../pr/state-changes.js';
import { type FetchOptions, type FetchResult, fetchState } from '../registry/fetch-state.js';
import type { SnapshotProgress } from '../registry/snapshot.js';
import { primaryTagOf } from '../render/primary-tag.js';
import type { ImageState } from '../state/image-state.js';
import { parseState } from '../state/load-state.js';
import { serializeState } from '../state/serialize-state.js';
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
 * `fetch`, so that many small images on one registry host keep that host's
 * request limit (the HTTP client's, per host and shared by every image) busy
 * instead of waiting image after image for round trips. Results come in the
 * order of `configs`; so do warnings, each held until the images before its
 * own have finished and, with more than one config, prefixed with its config.
 * Progress is summed over the images, with how many are done. On a failure no
 * further image is started, the ones under way finish, and the error of the
 * first failed image in `configs` order is thrown: the same one whichever
 * image happened to fail first.
 */
export async function snapshotAll(options: SnapshotAllOptions): Promise<SnapshotResult[]> {
  const { configs, fetch, ...common } = options;
  const results: SnapshotResult[] = [];
  const failures: { index: number; error: unknown }[] = [];
  const warnings = new OrderedWarnings(configs.length, fetch.warn);
  const progress = new SummedProgress(configs.length, fetch.onProgress);
  // An image spends part of its time between requests (the tag list, then the HEADs, then
  // the GETs); twice the host's limit in images keeps its slots full meanwhile. The limit is
  // the larger one, HTTP/2's streams, where a host may speak it (TLS registries do).
  const streams = fetch.http2 === false ? 0 : (fetch.streams ?? DEFAULT_HTTP_OPTIONS.streams);
  const inFlight = 2 * Math.max(fetch.concurrency ?? DEFAULT_HTTP_OPTIONS.concurrency, streams);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (failures.length === 0 && next < configs.length) {
      const index = next++;
      const configPath = configs[index];
      const label = configs.length > 1 && configPath !== undefined ? path.relative(common.cwd, configPath) || configPath : undefined;
      try {
        results[index] = await snapshot({
          ...common,
          ...(configPath === undefined ? {} : { configPath }),
          fetch: {
            ...fetch,
            warn: (message) => warnings.add(index, label === undefined ? message : `${label}: ${message}`),
            onProgress: (image) => progress.update(index, image),
          },
        });
      } catch (error) {
        failures.push({ index, error });
      } finally {
        progress.finished();
        warnings.finish(index);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, configs.length) }, worker));
  warnings.flushAll();
  const first = failures.sort((a, b) => a.index - b.index)[0];
  if (first) throw first.error;
  return results;
}

/** Warnings of images run side by side, given image by image in their order, each as soon as the images before it are done. */
class OrderedWarnings {
  readonly #held: string[][];
  readonly #finished: boolean[];
  #given = 0;

  constructor(
    images: number,
    readonly warn: (message: string) => void,
  ) {
    this.#held = Array.from({ length: images }, () => []);
    this.#finished = new Array<boolean>(images).fill(false);
  }

  add(index: number, message: string): void {
    if (index === this.#given) this.warn(message);
    else this.#held[index]?.push(message);
  }

  finish(index: number): void {
    this.#finished[index] = true;
    while (this.#finished[this.#given]) {
      this.#given++;
      this.#flush(this.#given);
    }
  }

  /** At the end of a run that failed: what images after a failure said, still in order. */
  flushAll(): void {
    for (let index = this.#given; index < this.#held.length; index++) this.#flush(index);
    this.#given = this.#held.length;
  }

  #flush(index: number): void {
    for (const message of this.#held[index]?.splice(0) ?? []) this.warn(message);
  }
}

/** The progress of images run side by side, as one: the sums of their counts, and how many images are done. */
class SummedProgress {
  readonly #seen: SnapshotProgress[] = [];
  readonly #sum: SnapshotProgress;

  constructor(
    images: number,
    readonly report: ((progress: SnapshotProgress) => void) | undefined,
  ) {
    // One image's run says nothing of images: its counts are the whole story.
    this.#sum = images > 1 ? { ...zeroProgress(), images: { done: 0, total: images } } : zeroProgress();
  }

  update(index: number, image: SnapshotProgress): void {
    if (!this.report) return;
    const seen = (this.#seen[index] ??= zeroProgress());
    for (const part of ['tags', 'manifests', 'signatures'] as const) {
      this.#sum[part].done += image[part].done - seen[part].done;
      this.#sum[part].total += image[part].total - seen[part].total;
      seen[part] = { ...image[part] };
    }
    this.report(this.#sum);
  }

  finished(): void {
    if (!this.report || !this.#sum.images) return;
    this.#sum.images.done++;
    this.report(this.#sum);
  }
}

function zeroProgress(): SnapshotProgress {
  return { tags: { done: 0, total: 0 }, manifests: { done: 0, total: 0 }, signatures: { done: 0, total: 0 } };
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
