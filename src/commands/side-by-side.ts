import path from 'node:path';
import type { FetchOptions } from '../registry/fetch-state.js';
import type { SnapshotProgress } from '../registry/snapshot.js';

export interface SideBySideOptions {
  cwd: string;
  /** the configs, in the order their results and warnings are given; undefined: readme-gen.yaml in cwd */
  configs: readonly (string | undefined)[];
  fetch: FetchOptions;
  /** how many images are under way at once */
  inFlight: number;
}

/**
 * Runs one command per config, `inFlight` images at once over the one
 * session in `fetch`, so that many small images on one registry host keep
 * that host's request limit (the HTTP client's, per host and shared by every
 * image) busy instead of waiting image after image for round trips. Results
 * come in the order of `configs`; so do warnings, each held until the images
 * before its own have finished and, with more than one config, prefixed with
 * its config. Progress is summed over the images, with how many are done. On
 * a failure no further image is started, the ones under way finish, and the
 * error of the first failed image in `configs` order is thrown: the same one
 * whichever image happened to fail first.
 */
export async function sideBySide<T>(
  options: SideBySideOptions,
  run: (configPath: string | undefined, fetch: FetchOptions) => Promise<T>,
): Promise<T[]> {
  const { configs, fetch } = options;
  const results: T[] = [];
  const failures: { index: number; error: unknown }[] = [];
  const warnings = new OrderedWarnings(configs.length, fetch.warn);
  const progress = new SummedProgress(configs.length, fetch.onProgress);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (failures.length === 0 && next < configs.length) {
      const index = next++;
      const configPath = configs[index];
      // Named when a warning comes: an --all check of 1,000 unchanged images says nothing.
      const label = () =>
        configs.length > 1 && configPath !== undefined ? path.relative(options.cwd, configPath) || configPath : undefined;
      try {
        results[index] = await run(configPath, {
          ...fetch,
          warn: (message) => {
            const name = label();
            warnings.add(index, name === undefined ? message : `${name}: ${message}`);
          },
          onProgress: (image) => progress.update(index, image),
        });
      } catch (error) {
        failures.push({ index, error });
      } finally {
        progress.finished();
        warnings.finish(index);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.inFlight, configs.length)) }, worker));
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
    for (const part of ['tags', 'manifests', 'signatures', 'attestations'] as const) {
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
  return {
    tags: { done: 0, total: 0 },
    manifests: { done: 0, total: 0 },
    signatures: { done: 0, total: 0 },
    attestations: { done: 0, total: 0 },
  };
}
