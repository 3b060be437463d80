import type { RenderSettings } from './render-settings.js';
import type { Trust } from '../signatures/trusted-root.js';
import type { VerdictStore } from '../signatures/verdict-cache.js';
import { type SignatureVerdict, verifyStateSignatures } from '../signatures/verify-state.js';
import { verifyStateAttestations } from '../attestations/verify-attestations.js';
import type { ImageState } from '../state/image-state.js';
import { TagsTableChecks, checkTagsTable } from './check-tags-table.js';
import { renderTemplate } from './render-template.js';
import type { TemplateSet } from './template-set.js';
import { CONFIG_KEY_OF_FIELD, type ReadmeView, buildView, shownDigests } from './view-model.js';

export interface RenderReadmeOptions {
  /** Render a signature that fails verification with a visible warning instead of failing. */
  allowUnverified?: boolean;
  /** Verified verdicts and passed tags-table checks of earlier runs, and where this run's are kept: the cache directory's. */
  kept?: KeptChecks;
}

/** What a render keeps in the cache directory for the next run (see KeptResults). */
export interface KeptChecks {
  verdicts: VerdictStore;
  tagsTables: TagsTableChecks;
}

/** The rendered README, and the view and signature verdicts it was rendered from (what `verify` reports). */
export interface RenderedReadme {
  markdown: string;
  view: ReadmeView;
  verdicts: Map<string, SignatureVerdict[]>;
}

/**
 * The view a template renders, and the signature verdicts behind it: every
 * signature and attestation the README shows is verified first; one that
 * fails stops here (exit 4) unless allowUnverified turns it into a warning
 * the view carries.
 */
export function readmeView(
  config: RenderSettings,
  state: ImageState,
  trust: Trust,
  options: RenderReadmeOptions = {},
): Omit<RenderedReadme, 'markdown'> {
  const digests = shownDigests(config, state);
  const verdicts = verifyStateSignatures(state, digests, trust, config.identity, options.kept?.verdicts);
  // Attestations of the same digests, with the same trust and their own policy (attestation-identity, else identity): a provenance fact is shown only once its statement verified.
  const attestations = verifyStateAttestations(state, digests, trust, config.attestationIdentity, options.kept?.verdicts);
  if (!options.allowUnverified) {
    for (const digestVerdicts of [...verdicts.values(), ...attestations.values()]) {
      for (const verdict of digestVerdicts) if (!verdict.verified) throw verdict.failure;
    }
  }
  return { view: buildView(config, state, verdicts, attestations), verdicts };
}

/**
 * The README for an image: configuration, state, templates and trust in,
 * Markdown (with the view and verdicts behind it, see readmeView) out, no
 * I/O. The result is checked on its syntax tree before anyone sees it.
 */
export function renderReadme(
  config: RenderSettings,
  state: ImageState,
  templates: TemplateSet,
  trust: Trust,
  options: RenderReadmeOptions = {},
): RenderedReadme {
  const { view, verdicts } = readmeView(config, state, trust, options);
  const markdown = renderTemplate(templates, view, { source: config.source, keyOf: CONFIG_KEY_OF_FIELD });
  checkTagsTable(markdown, view.rows, templates, options.kept?.tagsTables);
  return { markdown, view, verdicts };
}
