import type { ResolvedConfig } from '../config/readme-gen-config.js';
import type { ImageState } from '../state/image-state.js';
import { checkTagsTable } from './check-tags-table.js';
import { renderTemplate } from './render-template.js';
import type { TemplateSet } from './template-set.js';
import { buildView } from './view-model.js';

/**
 * The README for an image: configuration, state and templates in, Markdown
 * out, no I/O. The result is checked on its syntax tree before anyone sees it.
 */
export function renderReadme(config: ResolvedConfig, state: ImageState, templates: TemplateSet): string {
  const view = buildView(config, state);
  const markdown = renderTemplate(templates, view);
  checkTagsTable(markdown, view.rows, `template ${templates.label}`);
  return markdown;
}
