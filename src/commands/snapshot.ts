import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type ConfigOverrides, loadConfig } from '../config/load-config.js';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { type FetchOptions, type FetchResult, fetchState } from '../registry/fetch-state.js';
import { serializeState } from '../state/serialize-state.js';

export interface SnapshotOptions {
  cwd: string;
  configPath?: string;
  overrides?: ConfigOverrides;
  /** --out; default: the config's state: */
  out?: string;
  /** a config may name files outside its repository */
  allowOutside?: boolean;
  fetch: FetchOptions;
}

export interface SnapshotResult extends Omit<FetchResult, 'state'> {
  /** the state file, relative to cwd */
  output: string;
  written: boolean;
  tags: number;
  digests: number;
}

/** Reads the registry and writes the image state, atomically, only when it changed. */
export async function snapshot(options: SnapshotOptions): Promise<SnapshotResult> {
  const config = loadConfig(options);
  const file = options.out !== undefined ? path.resolve(options.cwd, options.out) : config.statePath;
  if (file === undefined) throw new InputError(`${config.source}: nowhere to write the state; set state: in the config or pass --out FILE`);
  const output = path.relative(options.cwd, file) || file;
  const { state, requests, cache } = await fetchState(config, options.fetch);
  const text = serializeState(state);
  const written = readIfExists(file) !== text;
  if (written) writeFileAtomic(file, text, output);
  return { output, written, tags: state.tags.length, digests: Object.keys(state.images).length, requests, cache };
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
