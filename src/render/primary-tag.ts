import type { RenderSettings } from './render-settings.js';
import { InputError } from '../errors.js';
import type { ImageState } from '../state/image-state.js';
import { ALWAYS_EXCLUDED, hidingPattern, isShownTag } from '../tags/tag-filter.js';
import { compareTags, isReleaseTag } from '../tags/tag-order.js';

/** How many tags an error lists before it says how many more there are. */
const LISTED_TAGS = 10;

/**
 * The tag the pull and verify commands name and whose signatures the Signing
 * section shows. It is always a tag of the rendered rows, so a README never
 * tells its readers to pull a tag that is not there: a configured primary-tag
 * the registry does not have, or that exclude-tags hides, is refused before
 * anything is written. Unset, it is `latest` when that is shown, else the
 * newest release (a plain version such as 1.2.3, because a pre-release or a
 * per-architecture tag like 1.2-arm64 is a poor thing to tell every reader to
 * pull), else the tag at the top of the table.
 */
export function primaryTagOf(
  config: Pick<RenderSettings, 'location' | 'excludeTags' | 'excludeTagsSetting' | 'primaryTag'>,
  state: ImageState,
): string {
  const shown = state.tags.flatMap((tag) => (isShownTag(tag.name, config.excludeTags) ? [tag.name] : [])).sort(compareTags);
  if (shown.length === 0)
    throw new InputError(`${config.location}: no tag to show, so no README to render: ${whyNoneShown(config, state)}`);
  const configured = config.primaryTag;
  if (configured === undefined) return shown.find((tag) => tag === 'latest' || isReleaseTag(tag)) ?? (shown[0] as string);
  if (shown.includes(configured.name)) return configured.name;
  const choose = `set primary-tag to a shown tag (${listed(shown)})`;
  if (!state.tags.some((tag) => tag.name === configured.name)) {
    throw new InputError(`${configured.setting}: "${configured.name}" is not a tag of ${config.location}; push it, or ${choose}`);
  }
  const pattern = hidingPattern(configured.name, config.excludeTags) as string;
  if (ALWAYS_EXCLUDED.includes(pattern)) {
    throw new InputError(
      `${configured.setting}: "${configured.name}" is a cosign signature, attestation or SBOM tag (${pattern}), never shown; ${choose}`,
    );
  }
  throw new InputError(
    `${configured.setting}: "${configured.name}" is hidden by the exclude-tags pattern "${pattern}" (${config.excludeTagsSetting ?? 'exclude-tags'}); remove that pattern, or ${choose}`,
  );
}

function whyNoneShown(config: Pick<RenderSettings, 'excludeTags' | 'excludeTagsSetting'>, state: ImageState): string {
  if (state.tags.length === 0) return 'the registry has no tags; push one';
  const hiddenByUser = state.tags.some((tag) => !ALWAYS_EXCLUDED.includes(hidingPattern(tag.name, config.excludeTags) as string));
  if (!hiddenByUser) return `its ${state.tags.length} tags are all cosign signature, attestation or SBOM tags; push an image tag`;
  return `exclude-tags (${config.excludeTagsSetting ?? 'exclude-tags'}) leaves out all ${state.tags.length} of its tags; loosen it`;
}

function listed(tags: readonly string[]): string {
  const shown = tags.slice(0, LISTED_TAGS).join(', ');
  return tags.length > LISTED_TAGS ? `${shown}, … and ${tags.length - LISTED_TAGS} more` : shown;
}
