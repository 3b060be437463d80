import { createHash } from 'node:crypto';
import Handlebars from 'handlebars';
import { InputError } from '../errors.js';
import { builtModule } from '../package-root.js';
import { proseList } from '../text/prose-list.js';
import {
  closesFence,
  codeSpanText,
  fencedCode,
  inlineCode,
  inlineCodeInProse,
  inlineText,
  markdownLink,
} from '../markdown/markdown-escape.js';
import { type CodeContext, IN_CODE_SPAN, IN_FENCE, escapeByContext } from './markdown-contexts.js';
import { registerCellHelpers } from './table-cells.js';
import type { TemplateSet } from './template-set.js';
import { compareBytes } from '../tags/tag-order.js';

/** Where a view's settings come from, so that an error about an unset field can name the key that sets it. */
export interface ViewSettings {
  /** The config file, or "command line". */
  source: string;
  /** The config key behind a view field, by the last part of the field's path. */
  keyOf: ReadonlyMap<string, string>;
}

/**
 * Renders a template over a view: pure, no I/O. Strict mode turns a field the
 * view lacks into an error naming it (or the config key that sets it), never a blank.
 */
export function renderTemplate(templates: TemplateSet, view: object, settings?: ViewSettings): string {
  const template = compiledTemplate(templates);
  try {
    return template(view);
  } catch (error) {
    throw templateError(error, `template ${templates.label}`, settings);
  }
}

/**
 * A Handlebars environment with every helper a template can call (each
 * documented with an example in the README: test/render/helpers-doc.test.ts
 * checks them all) and the ones escapeByContext calls.
 */
export function templateEnvironment(): typeof Handlebars {
  const handlebars = Handlebars.create();
  registerHelpers(handlebars);
  registerCellHelpers(handlebars);
  registerContextHelpers(handlebars);
  return handlebars;
}

/**
 * Compiled templates, by the partials they were compiled with and the main
 * template's source: compiling the partials took longer than rendering, and
 * an --all run renders many images with the same ones. A set with the user's
 * partials has maps of its own, so it never shares a built-in set's entry.
 */
const compiled = new WeakMap<ReadonlyMap<string, string>, Map<string, Handlebars.TemplateDelegate>>();

function compiledTemplate(templates: TemplateSet): Handlebars.TemplateDelegate {
  let bySource = compiled.get(templates.partials);
  if (!bySource) compiled.set(templates.partials, (bySource = new Map<string, Handlebars.TemplateDelegate>()));
  // The label is part of the key: a syntax error names the template it is in.
  const key = `${templates.label}\u0000${templates.source}`;
  let template = bySource.get(key);
  if (!template) {
    const handlebars = templateEnvironment();
    for (const [name, source] of templates.partials) {
      // Compiled when first called: every built-in partial is registered, and a template calls a few.
      let partial: Handlebars.TemplateDelegate | undefined;
      const label = `partial ${templates.partialLabels.get(name) ?? name}`;
      const call: Handlebars.TemplateDelegate = (context, options) => (partial ??= compile(handlebars, source, label))(context, options);
      handlebars.registerPartial(name, call);
    }
    template = compile(handlebars, templates.source, `template ${templates.label}`);
    bySource.set(key, template);
  }
  return template;
}

function compile(handlebars: typeof Handlebars, source: string, label: string): Handlebars.TemplateDelegate {
  const spec = precompiledSpecs()[templateHash(source)];
  if (spec !== undefined) return handlebars.template(spec);
  try {
    return handlebars.compile(templateProgram(handlebars, source, label), COMPILE_OPTIONS);
  } catch (error) {
    throw templateError(error, label);
  }
}

/** Strict: a field the view lacks is an error naming it, never a blank. */
export const COMPILE_OPTIONS = { strict: true } as const;

/**
 * A template's syntax tree as it is compiled: parsed (compile() is lazy; parsing first makes a syntax
 * error surface here, under this template's name) and each {{x}} written in code given its context's helper.
 */
export function templateProgram(handlebars: typeof Handlebars, source: string, label: string): hbs.AST.Program {
  const program = handlebars.parse(source);
  escapeByContext(program, label);
  return program;
}

/**
 * The shipped templates and partials compiled by `npm run build`
 * (scripts/precompile-templates.ts), by the sha256 of their source: compiling
 * them was about a tenth of the pre-commit hook's check of one README. Keyed by
 * the source, so a file edited after the build, or a user's copy that differs,
 * is compiled here, and one identical to a shipped file is not.
 */
export const PRECOMPILED_TEMPLATES_FILE = 'precompiled-templates.cjs';

/** Whether the build compiled this source (a shipped template or partial, unedited). */
export function isPrecompiled(source: string): boolean {
  return precompiledSpecs()[templateHash(source)] !== undefined;
}

export function templateHash(source: string): string {
  return createHash('sha256').update(source).digest('hex');
}

let specs: Readonly<Record<string, TemplateSpecification>> | undefined;

function precompiledSpecs(): Readonly<Record<string, TemplateSpecification>> {
  return (specs ??= builtModule<Record<string, TemplateSpecification>>('render', PRECOMPILED_TEMPLATES_FILE) ?? {});
}

type TemplateSpecification = Parameters<typeof Handlebars.template>[0];

function templateError(error: unknown, label: string, settings?: ViewSettings): Error {
  if (error instanceof InputError) return error;
  if (error instanceof MissingField) return missingFieldError(error.field, error.at, settings, error);
  if (!(error instanceof Error)) return new InputError(`${label}: ${String(error)}`);
  const missing = /^"([^"]+)" not defined in .*? - (\d+):(\d+)$/s.exec(error.message);
  if (missing) {
    const [, field = '', line, column] = missing;
    return missingFieldError(field, `${label} (or a partial it calls), line ${line}:${column}`, settings, error);
  }
  const parse = /^Parse error on line (\d+):\n.*\n.*\n(.*)$/s.exec(error.message);
  if (parse) return new InputError(`${label}, line ${parse[1]}: template syntax error: ${parse[2]}`, { cause: error });
  return new InputError(`${label}: ${error.message.split('\n').join(' ')}`, { cause: error });
}

function missingFieldError(field: string, at: string, settings: ViewSettings | undefined, cause: unknown): InputError {
  const key = settings?.keyOf.get(field.split('.').at(-1) ?? field);
  if (key !== undefined && settings !== undefined) {
    const where = settings.source === 'command line' ? 'a config file, or with its flag' : settings.source;
    return new InputError(`${at}: ${key} is not set; set it in ${where}`, { cause });
  }
  return new InputError(`${at}: "${field}" is not set; set it in readme-gen.yaml (or its flag), or guard it with {{#if ${field}}}`, {
    cause,
  });
}

/**
 * A field a context helper found unset. The helper cannot say which config key
 * sets it: that depends on the render (its ViewSettings), and the environment
 * is the same for every render, so templateError words it.
 */
class MissingField extends Error {
  constructor(
    readonly field: string,
    readonly at: string,
  ) {
    super(`${at}: "${field}" is not set`);
  }
}

/**
 * The helpers escapeByContext calls for a `{{x}}` the template wrote inside
 * code: the value shown as it is, never HTML-escaped, and refused when it
 * would end the code around it, since the template chose the delimiters. In
 * strict mode a missing field is an error, as it is anywhere else.
 */
function registerContextHelpers(handlebars: typeof Handlebars): void {
  const valueOf = (value: unknown, context: CodeContext): string => {
    const { at } = context;
    if (value === undefined && context.field !== undefined) throw new MissingField(context.field, at);
    const shown = context.field === undefined ? 'the value' : `{{${context.field}}}`;
    const text = codeText(value, handlebars, () => `${at}: ${shown} is ${Array.isArray(value) ? 'a list' : 'an object'}, not text`);
    if (context.kind === 'span' && text.includes('`'))
      throw new InputError(
        `${at}: ${shown} holds a backtick, which would end the code span the template puts it in; write {{code ${context.field ?? 'x'}}} instead of \`{{${context.field ?? 'x'}}}\``,
      );
    if (context.kind === 'fence' && closesFence(text, context.fence))
      throw new InputError(
        `${at}: ${shown} holds a line that would close the template's ${context.fence} block; show it with {{fence ${context.field ?? 'x'}}}, which picks a longer fence`,
      );
    return text;
  };
  handlebars.registerHelper(IN_CODE_SPAN, (value: unknown, options: Handlebars.HelperOptions) => {
    const context = options.hash as Extract<CodeContext, { kind: 'span' }>;
    return new handlebars.SafeString(codeSpanText(valueOf(value, { ...context, kind: 'span' }), context));
  });
  handlebars.registerHelper(IN_FENCE, (value: unknown, options: Handlebars.HelperOptions) => {
    const context = options.hash as Extract<CodeContext, { kind: 'fence' }>;
    return new handlebars.SafeString(valueOf(value, { ...context, kind: 'fence' }));
  });
}

/** A value as `{{x}}` prints it; a list or object has no text to show. */
function codeText(value: unknown, handlebars: typeof Handlebars, notText: () => string): string {
  if (value === undefined || value === null) return '';
  if (value instanceof handlebars.SafeString) return value.toString();
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new InputError(notText());
}

function registerHelpers(handlebars: typeof Handlebars): void {
  const safe = (text: string) => new handlebars.SafeString(text);
  // {{code x table=false}}: a code span in prose, where a table cell's escaped pipe would show its backslash.
  handlebars.registerHelper('code', (value: unknown, options: Handlebars.HelperOptions) => {
    const text = asText(value, 'code');
    return safe((options.hash as { table?: unknown }).table === false ? inlineCodeInProse(text) : inlineCode(text));
  });
  handlebars.registerHelper('codeList', (values: unknown) => safe(asList(values, 'codeList').map(inlineCode).join(' ')));
  handlebars.registerHelper('text', (value: unknown) => safe(inlineText(asText(value, 'text'))));
  handlebars.registerHelper('fence', (value: unknown, ...rest: unknown[]) => {
    const info = rest.length > 1 ? asText(rest[0], 'fence') : '';
    return safe(fencedCode(asText(value, 'fence'), info.replace(/[`\s]/g, '')));
  });
  handlebars.registerHelper('link', (text: unknown, url: unknown) => safe(markdownLink(asText(text, 'link'), asText(url, 'link'))));
  // {{linkList builtWith}}: names as prose ("a, b and c"), each a link when it has a url.
  handlebars.registerHelper('linkList', (items: unknown) =>
    safe(proseList(asLinks(items).map(({ name, url }) => (url === undefined ? inlineText(name) : markdownLink(name, url))))),
  );
  handlebars.registerHelper('sorted', (values: unknown) => [...asList(values, 'sorted')].sort(compareBytes));
  // A user's Markdown block (usage, description) without its trailing blank lines, so the template decides the spacing.
  handlebars.registerHelper('trimmed', (value: unknown) => asText(value, 'trimmed').trimEnd());
}

function asText(value: unknown, helper: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  throw new InputError(`the ${helper} helper takes a string, got ${value === undefined ? 'nothing' : typeof value}`);
}

function asLinks(items: unknown): { name: string; url?: string }[] {
  if (!Array.isArray(items)) throw new InputError(`the linkList helper takes a list, got ${typeof items}`);
  return items.map((item: unknown) => {
    const { name, url } = (typeof item === 'object' && item !== null ? item : {}) as { name?: unknown; url?: unknown };
    if (typeof name !== 'string' || (url !== undefined && typeof url !== 'string')) {
      throw new InputError('the linkList helper takes a list of items with a name and, optionally, a url');
    }
    return url === undefined ? { name } : { name, url };
  });
}

function asList(values: unknown, helper: string): string[] {
  if (!Array.isArray(values)) throw new InputError(`the ${helper} helper takes a list, got ${typeof values}`);
  return values.map((value) => asText(value, helper));
}
