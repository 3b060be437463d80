import { recordInputs } from '../fs/input-log.js';
import { keepingDir } from '../registry/content-cache.js';
import { KeptRenders } from './kept-renders.js';
import type { RenderOptions, RenderResult } from './render.js';
import { sideBySide } from './side-by-side.js';

export interface RenderAllOptions extends Omit<RenderOptions, 'configPath'> {
  /** the configs to render, in the order their results are given; undefined: readme-gen.yaml in cwd */
  configs: readonly (string | undefined)[];
}

/**
 * Every config's README. Images read live from the registry (configs without
 * a state file) are read several at once over the one session, as snapshot
 * --all reads them (see sideBySide); an offline run has nothing to wait for,
 * so it renders one image after another, and keeps what it found up to date
 * for the next offline run (see KeptRenders): the pre-commit hook's check of
 * an unchanged image reads its files and loads nothing that renders.
 */
export async function renderAll(options: RenderAllOptions): Promise<RenderResult[]> {
  const { configs, fetch, ...common } = options;
  const renderOne = async (configPath: string | undefined, imageFetch: RenderOptions['fetch']) =>
    (await import('./render.js')).render({ ...common, ...(configPath === undefined ? {} : { configPath }), fetch: imageFetch });
  if (!fetch.offline) {
    // Loaded only for a live run: the registry client is not part of the pre-commit hook's check.
    const inFlight = (await import('../registry/fetch-state.js')).imagesInFlight(fetch);
    return sideBySide({ cwd: common.cwd, configs, fetch, inFlight }, renderOne);
  }
  const { cwd, ...flags } = common;
  const kept = new KeptRenders(keepingDir(fetch), cwd, [flags, configs]);
  try {
    return await sideBySide({ cwd: common.cwd, configs, fetch, inFlight: 1 }, async (configPath, imageFetch) => {
      const upToDate = kept.upToDate(configPath, common.mode === 'print');
      if (upToDate) return upToDate;
      let warned = false;
      const warn = (message: string) => {
        warned = true;
        imageFetch.warn(message);
      };
      const { value, inputs } = await recordInputs(() => renderOne(configPath, { ...imageFetch, warn }));
      // A render that warned is rendered again next time, to say so again.
      if (!warned) kept.record(configPath, value, inputs);
      return value;
    });
  } finally {
    kept.save();
  }
}
