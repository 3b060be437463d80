import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';
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
}

/** The templates shipped in templates/, each a folder with readme.md.hbs and partials/. */
export const BUILT_IN_TEMPLATES = ['default', 'distroless'] as const;

const MAIN_FILE = 'readme.md.hbs';

/**
 * Reads a built-in template by name, or a user's template by path. The
 * built-ins' partials are registered either way so a user's template can
 * reuse them (`{{> default/tags-table}}`).
 */
export function loadTemplateSet(template: string): TemplateSet {
  const partials = builtInPartials();
  if ((BUILT_IN_TEMPLATES as readonly string[]).includes(template)) {
    let set = builtInSets.get(template);
    if (!set) {
      set = { label: template, builtIn: true, source: readFileSync(packageFile('templates', template, MAIN_FILE), 'utf8'), partials };
      builtInSets.set(template, set);
    }
    return set;
  }
  if (!existsSync(template)) {
    throw new InputError(`template ${template} not found; fix the template path or use a built-in (${BUILT_IN_TEMPLATES.join(', ')})`);
  }
  try {
    return { label: template, builtIn: false, source: readFileSync(template, 'utf8'), partials };
  } catch (error) {
    throw new InputError(`template ${template}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`, {
      cause: error,
    });
  }
}

/**
 * The shipped files do not change while readme-gen runs: read once per
 * process, and the same objects each time, so that renderTemplate compiles
 * them once (an --all run used to read and compile them for every image).
 * A user's template is read each time: it may be edited between renders.
 */
const builtInSets = new Map<string, TemplateSet>();
let partialsRead: Map<string, string> | undefined;

function builtInPartials(): Map<string, string> {
  if (partialsRead) return partialsRead;
  const partials = new Map<string, string>();
  for (const builtIn of BUILT_IN_TEMPLATES) {
    const dir = packageFile('templates', builtIn, 'partials');
    for (const file of readdirSync(dir)
      .filter((name) => name.endsWith('.hbs'))
      .sort()) {
      partials.set(`${builtIn}/${file.slice(0, -'.hbs'.length)}`, readFileSync(path.join(dir, file), 'utf8'));
    }
  }
  return (partialsRead = partials);
}
