import type { RenderSettings } from './render-settings.js';
import { InputError } from '../errors.js';
import type { ImageState } from '../state/image-state.js';
import { ALWAYS_EXCLUDED, hidingPattern } from '../tags/tag-filter.js';

/** A note of tag-notes, as templates see it. */
export interface TagNoteView {
  /** A tag of the tags table. */
  tag: string;
  /** One line of plain text, as the config writes it: show it with `{{text note}}`, which escapes it as prose. */
  note: string;
}

/**
 * The configured tag notes, in the config's order. A note about a tag the
 * README does not show would explain a row that is not there, so it is
 * refused, naming the note and why the tag is missing, as primary-tag is.
 */
export function tagNotesOf(
  config: Pick<RenderSettings, 'location' | 'excludeTags' | 'excludeTagsSetting' | 'tagNotes'>,
  state: ImageState,
  shown: ReadonlySet<string>,
): TagNoteView[] {
  return config.tagNotes.map(({ tag, note, setting }) => {
    if (shown.has(tag)) return { tag, note };
    if (!state.tags.some((recorded) => recorded.name === tag))
      throw new InputError(`${setting}: "${tag}" is not a tag of ${config.location}; fix the tag or remove its note`);
    const pattern = hidingPattern(tag, config.excludeTags) as string;
    if (ALWAYS_EXCLUDED.includes(pattern))
      throw new InputError(
        `${setting}: "${tag}" is a cosign signature, attestation or SBOM tag (${pattern}), never shown; remove its note`,
      );
    throw new InputError(
      `${setting}: "${tag}" is not shown, as exclude-tags pattern "${pattern}" (${config.excludeTagsSetting ?? 'exclude-tags'}) hides it; remove its note`,
    );
  });
}
