import type { ResolvedConfig } from '../config/readme-gen-config.js';
import { applyToReadme } from '../markdown/inject-region.js';
import { forDockerHub } from '../render/dockerhub-profile.js';
import { type RenderReadmeOptions, type RenderedReadme, renderReadme } from '../render/render-readme.js';
import { loadTemplateSet } from '../render/template-set.js';
import type { Trust } from '../signatures/trusted-root.js';
import type { ImageState } from '../state/image-state.js';

export interface ReadmeFileOptions extends RenderReadmeOptions {
  /** how the README file is named in messages */
  label: string;
  /** dockerhub: the README as a Docker Hub description, whatever the file holds now */
  profile?: 'dockerhub';
}

/** The README file's content, and the view and verdicts it was rendered from (what `verify` reports). */
export interface ReadmeFile extends RenderedReadme {
  content: string;
}

/**
 * What a config's README file should hold for `state` — the one render
 * pipeline `render`, `pr` and `verify` share, so that what `pr` proposes and
 * what `verify` holds a README to is what `render --write` writes: the
 * config's template over the state, every signature it shows verified first
 * (see renderReadme), then put into `previous`, the file as it is now (its
 * region only, in inject mode), or made the Docker Hub version.
 */
export function renderReadmeFile(
  config: ResolvedConfig,
  state: ImageState,
  trust: Trust,
  previous: string | undefined,
  options: ReadmeFileOptions,
): ReadmeFile {
  const rendered = renderReadme(config, state, loadTemplateSet(config.template, config.partials), trust, options);
  const content =
    options.profile === 'dockerhub'
      ? forDockerHub(rendered.markdown, config.repo)
      : applyToReadme(previous, rendered.markdown, options.label);
  return { ...rendered, content };
}
