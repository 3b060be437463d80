import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';
import { noteFile } from '../fs/input-log.js';
import { packageFile } from '../package-root.js';

/** A template's source with every partial it may call, read from disk once. */
export interface TemplateSet {
  /** The built-in name or the user's path, for messages. */
  label: string;
  /** Shipped with readme-gen: a broken table it renders is readme-gen's bug, not the user's input. */
  builtIn: boolean;
  source: string;
  /** Partials by the name templates call them with, e.g. `default/tags-table`. */
  partials: ReadonlyMap<string, string>;
  /** How messages name a partial that came from the user's folder, by the name it is called with. */
  partialLabels: ReadonlyMap<string, string>;
}

/** The folder of partials beside a config (templates/partials/), as config/ found it. */
export interface UserPartials {
  /** Absolute path of the folder. */
  dir: string;
  /** The folder as messages name it, relative to the working directory. */
  label: string;
  /** Its *.hbs files, by name, without .hbs; each checked to be inside the repository. */
  names: string[];
}

/** The templates shipped in templates/, each a folder with readme.md.hbs and partials/. */
export const BUILT_IN_TEMPLATES = ['default', 'distroless'] as const;

const MAIN_FILE = 'readme.md.hbs';

/**
 * Reads a built-in template by name, or a user's template by path. The
 * built-ins' partials are registered either way so a user's template can
 * reuse them (`{{> default/tags-table}}`). A partial in the user's folder is
 * callable by its name (`{{> footer}}`), and replaces the built-in template's
 * partial of that name (tags-table.hbs replaces `default/tags-table` when the
 * template is `default`), so one part changes without copying the rest.
 */
export function loadTemplateSet(template: string, userPartials?: UserPartials): TemplateSet {
  const builtIn = (BUILT_IN_TEMPLATES as readonly string[]).includes(template);
  const set = builtIn
    ? builtInSet(template)
    : { label: template, builtIn, source: readUserTemplate(template), partials: builtInPartials(), partialLabels: new Map() };
  return userPartials === undefined || userPartials.names.length === 0
    ? set
    : withUserPartials(set, userPartials, builtIn ? template : undefined);
}

/**
 * The shipped files do not change while readme-gen runs: read once per
 * process, and the same objects each time, so that renderTemplate compiles
 * them once (an --all run used to read and compile them for every image).
 * A user's template and partials are read each time: they may be edited
 * between renders, and a set with them gets maps of its own.
 */
const builtInSets = new Map<string, TemplateSet>();
let partialsRead: { partials: Map<string, string>; files: Map<string, string> } | undefined;

function builtInSet(template: string): TemplateSet {
  let set = builtInSets.get(template);
  if (!set) {
    const source = readFileSync(builtInFile(template, MAIN_FILE), 'utf8');
    set = { label: template, builtIn: true, source, partials: builtInPartials(), partialLabels: new Map() };
    builtInSets.set(template, set);
  }
  noteFile(builtInFile(template, MAIN_FILE), set.source);
  return set;
}

/** The built-in partials; each noted as read every time they are handed out (see recordInputs). */
function builtInPartials(): Map<string, string> {
  if (!partialsRead) {
    const partials = new Map<string, string>();
    const files = new Map<string, string>();
    for (const builtIn of BUILT_IN_TEMPLATES) {
      const dir = builtInFile(builtIn, 'partials');
      for (const file of readdirSync(dir)
        .filter((name) => name.endsWith('.hbs'))
        .sort()) {
        const source = readFileSync(path.join(dir, file), 'utf8');
        partials.set(`${builtIn}/${file.slice(0, -'.hbs'.length)}`, source);
        files.set(path.join(dir, file), source);
      }
    }
    partialsRead = { partials, files };
  }
  for (const [file, source] of partialsRead.files) noteFile(file, source);
  return partialsRead.partials;
}

function builtInFile(template: string, ...segments: string[]): string {
  return packageFile('templates', template, ...segments);
}

function readUserTemplate(template: string): string {
  if (!existsSync(template)) {
    throw new InputError(`template ${template} not found; fix the template path or use a built-in (${BUILT_IN_TEMPLATES.join(', ')})`);
  }
  return readText(template, `template ${template}`);
}

function readText(file: string, label: string): string {
  try {
    const text = readFileSync(file, 'utf8');
    noteFile(file, text);
    return text;
  } catch (error) {
    throw new InputError(`${label}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
  }
}

/**
 * `set` with the user's partials: one named like a partial of the built-in
 * template replaces it. One that replaces nothing must be called by another
 * of the user's files, or it is a misspelt override (tag-table.hbs) that
 * would silently change nothing. A new set and new maps: the built-in ones
 * may be shared by other configs' renders.
 */
function withUserPartials(set: TemplateSet, user: UserPartials, builtIn: string | undefined): TemplateSet {
  const sources = new Map(user.names.map((name) => [name, readText(path.join(user.dir, `${name}.hbs`), `${user.label}/${name}.hbs`)]));
  const partials = new Map(set.partials);
  const partialLabels = new Map<string, string>();
  const overridden: string[] = [];
  for (const [name, source] of sources) {
    const label = `${user.label}/${name}.hbs`;
    partials.set(name, source);
    partialLabels.set(name, label);
    const replaced = builtIn === undefined ? undefined : `${builtIn}/${name}`;
    if (replaced !== undefined && set.partials.has(replaced)) {
      partials.set(replaced, source);
      partialLabels.set(replaced, label);
      overridden.push(label);
      continue;
    }
    if (builtIn === undefined) continue;
    const callers = [set.source, ...[...sources].filter(([other]) => other !== name).map(([, text]) => text)];
    if (callers.some((text) => callsPartial(text, name))) continue;
    const own = [...set.partials.keys()]
      .filter((key) => key.startsWith(`${builtIn}/`))
      .map((key) => key.slice(builtIn.length + 1))
      .sort();
    throw new InputError(
      `${label}: the ${builtIn} template has no partial "${name}" to replace (it has ${own.join(', ')}), and none of your partials calls it; rename the file to the partial it should replace, or call it with {{> ${name}}}`,
    );
  }
  if (overridden.length === 0) return { ...set, partials, partialLabels };
  // A table the user's partial breaks is the user's input to fix, not readme-gen's bug.
  return { ...set, label: `${set.label} (with ${overridden.join(', ')})`, builtIn: false, partials, partialLabels };
}

function callsPartial(source: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`\\{\\{~?#?>\\s*${escaped}(?![\\w/.-])`).test(source);
}
