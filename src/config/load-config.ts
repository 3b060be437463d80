import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';
import { noteAbsent, noteFile, noteListing } from '../fs/input-log.js';
import { parseValidated, positionOf, validateValue } from '../validation/validate-document.js';
import { type IdentityPolicy, checkPolicyExpressions } from '../signatures/identity-policy.js';
import { locationProblem } from '../registry/image-location.js';
import { parseTufMirror } from '../signatures/tuf-trusted-root.js';
import { BUILT_IN_TEMPLATES, type UserPartials } from '../render/template-set.js';
import { DEFAULT_CONFIG_FILE } from './discover-configs.js';
import { assertInside, repositoryRoot } from './repository-bounds.js';
import type { ConfigFile, ConfigOverrides, IdentityKeys, OverridableKey, ResolvedConfig } from './readme-gen-config.js';

export const DEFAULT_OUTPUT_FILE = 'README.md';

export interface LoadConfigOptions {
  cwd: string;
  /** --config; default readme-gen.yaml in cwd */
  configPath?: string;
  overrides?: ConfigOverrides;
  /** --allow-outside: the description, usage, template and output may be outside the repository */
  allowOutside?: boolean;
}

/**
 * Settings the original tool used implicitly. They apply when readme-gen runs
 * from the original's flags alone, so it is a drop-in for that CI step.
 */
const ORIGINAL_TOOL_DEFAULTS = {
  template: 'distroless',
  excludeTags: ['latest-*', 'root-*'],
  builtWith: ['apko'],
  /** The badge links into --repo's workflows, so it is shown only when --repo is given. */
  ciWorkflow: 'release.yaml',
  wording: {
    generator: 'https://github.com/chainguard-images/readme-generator',
    'signed-images': 'Chainguard Images',
  },
} as const;

export function loadConfig(options: LoadConfigOptions): ResolvedConfig {
  const { cwd, overrides = {} } = options;
  const explicit = options.configPath !== undefined;
  const configFile = path.resolve(cwd, options.configPath ?? DEFAULT_CONFIG_FILE);

  if (existsSync(configFile)) {
    return fromConfigFile(configFile, cwd, overrides, boundsFor(path.dirname(configFile), options));
  }
  // A config written later would be read instead of the flags.
  noteAbsent(configFile);
  if (explicit) {
    throw new InputError(`${options.configPath}: config file not found; check the path given to --config`);
  }
  if (overrides.name === undefined && overrides.location === undefined) {
    throw new InputError(
      `no ${DEFAULT_CONFIG_FILE} in ${cwd}: create one, pass --config FILE, or pass --name and --location (the original tool's flags)`,
    );
  }
  const missing = (['name', 'location'] as const).find((key) => overrides[key] === undefined);
  if (missing !== undefined) {
    throw new InputError(
      `--${missing}: required when there is no ${DEFAULT_CONFIG_FILE} in ${cwd}; pass both --name and --location, or --config FILE`,
    );
  }
  return fromFlagsOnly(cwd, overrides, boundsFor(cwd, options));
}

/** Files a config names must stay in its repository, unless --allow-outside. */
function boundsFor(configDir: string, options: LoadConfigOptions): string | undefined {
  return options.allowOutside ? undefined : repositoryRoot(configDir);
}

function fromConfigFile(configFile: string, cwd: string, overrides: ConfigOverrides, root: string | undefined): ResolvedConfig {
  const label = path.relative(cwd, configFile) || configFile;
  let text: string;
  try {
    text = readFileSync(configFile, 'utf8');
    noteFile(configFile, text);
  } catch (error) {
    throw new InputError(`${label}: cannot read the config file (${(error as NodeJS.ErrnoException).code ?? String(error)})`, {
      cause: error,
    });
  }
  const file = parseValidated<ConfigFile>(text, label, 'config', 'yaml');
  const merged = validateValue<ConfigFile>(applyOverrides(file, overrides), 'config', flagNameIn(overrides));
  /** A config key as errors name it: file:line:col of its value, then the key. */
  const where = (key: keyof ConfigFile, item: string[] = []) => `${label}:${positionOf(text, [key, ...item])}: ${key}`;
  if (merged.description !== undefined && merged['description-file'] !== undefined) {
    const descriptionLine = positionOf(text, ['description']).split(':')[0];
    throw new InputError(`${where('description-file')}: description is also set (line ${descriptionLine}); keep one of them`);
  }
  const baseDir = path.dirname(configFile);
  return resolve(merged, { source: label, baseDir, cwd, overrides, where, root });
}

function fromFlagsOnly(cwd: string, overrides: ConfigOverrides, root: string | undefined): ResolvedConfig {
  const fromFlags = validateValue<ConfigFile>(applyOverrides({} as ConfigFile, overrides), 'config', flagNameIn(overrides));
  const withDefaults: ConfigFile = {
    template: ORIGINAL_TOOL_DEFAULTS.template,
    'built-with': [...ORIGINAL_TOOL_DEFAULTS.builtWith],
    ...(fromFlags.repo === undefined ? {} : { 'ci-workflow': ORIGINAL_TOOL_DEFAULTS.ciWorkflow }),
    wording: { ...ORIGINAL_TOOL_DEFAULTS.wording },
    ...fromFlags,
    'exclude-tags': [...ORIGINAL_TOOL_DEFAULTS.excludeTags, ...(fromFlags['exclude-tags'] ?? [])],
  };
  return resolve(withDefaults, { source: 'command line', baseDir: cwd, cwd, overrides, where: flagNameIn(overrides), root });
}

function applyOverrides(file: ConfigFile, overrides: ConfigOverrides): ConfigFile {
  const merged: ConfigFile = { ...file, ...(file.identity ? { identity: { ...file.identity } } : {}) };
  for (const [key, override] of Object.entries(overrides) as [OverridableKey, { value: string }][]) {
    const [top, nested] = key.split('.') as [keyof ConfigFile, string | undefined];
    if (nested !== undefined) {
      merged.identity = { ...merged.identity, [nested]: override.value };
    } else if (top === 'exclude-tags') {
      // comma-separated, as the original tool took it
      merged['exclude-tags'] = override.value
        .split(',')
        .map((tag) => tag.trim())
        .filter((tag) => tag !== '');
    } else {
      (merged as unknown as Record<string, string>)[top] = override.value;
      // a description given as a flag replaces the config's, whichever way it was written
      if (top === 'description') delete merged['description-file'];
    }
  }
  return merged;
}

/** How errors about a value from the command line name it: the flag it was typed as. */
function flagNameIn(overrides: ConfigOverrides): (key: string) => string {
  return (key) => {
    if (key === '') return 'command line';
    const override = Object.entries(overrides).find(([overridden]) => overridden === key || overridden.startsWith(`${key}.`));
    return override ? override[1].flag : `--${key}`;
  };
}

/** The identity policy, key and trusted root given as flags alone (verify without a config). */
export function signatureSettingsFromFlags(
  cwd: string,
  overrides: ConfigOverrides,
): { identity: IdentityPolicy; keyPath?: string; trustedRootPath?: string; tufMirror?: string } {
  const merged = applyOverrides({} as ConfigFile, overrides);
  const settings: { identity: IdentityPolicy; keyPath?: string; trustedRootPath?: string; tufMirror?: string } = {
    identity: resolveIdentity(merged.identity ?? {}, () => 'command line'),
  };
  if (overrides.key !== undefined) settings.keyPath = path.resolve(cwd, overrides.key.value);
  if (overrides['trusted-root'] !== undefined) settings.trustedRootPath = path.resolve(cwd, overrides['trusted-root'].value);
  const mirror = overrides['tuf-mirror'];
  if (mirror !== undefined) {
    if (settings.trustedRootPath !== undefined)
      throw new InputError(
        `${mirror.flag}: --trusted-root pins the trusted root, so it is not taken from a TUF repository; keep one of them`,
      );
    settings.tufMirror = parseTufMirror(mirror.value, mirror.flag);
  }
  return settings;
}

interface ResolveContext {
  source: string;
  /** directory config-relative paths are resolved against */
  baseDir: string;
  cwd: string;
  overrides: ConfigOverrides;
  /** How errors name a setting, or a part of it (`['0', 'tag']`): `file:line:col: key` from a config file, `--key` from flags. */
  where: (key: keyof ConfigFile, item?: string[]) => string;
  /** the repository the files must stay in; undefined with --allow-outside */
  root: string | undefined;
}

function resolve(config: ConfigFile, context: ResolveContext): ResolvedConfig {
  const { baseDir, cwd, overrides, source, where, root } = context;
  const badLocation = locationProblem(config.location);
  if (badLocation !== undefined) throw new InputError(`${overrides.location?.flag ?? where('location')}: ${badLocation}`);
  const fromConfig = (file: string) => path.resolve(baseDir, file);
  /** A file the config names, refused when it resolves outside the repository. */
  const bounded = (file: string, key: () => string) => {
    if (root !== undefined) assertInside(root, file, key);
    return file;
  };
  /**
   * A file setting. Given as a flag it is the user's own choice, relative to the
   * working directory; from the config it is relative to the config and must
   * stay inside the repository.
   */
  const fileSetting = (key: 'output' | 'state' | 'key' | 'trusted-root' | 'tuf-root', fallback?: string): string | undefined => {
    const override = overrides[key];
    if (override !== undefined) return path.resolve(cwd, override.value);
    const configured = config[key];
    if (configured === undefined && fallback === undefined) return undefined;
    return bounded(fromConfig(configured ?? (fallback as string)), () => (configured === undefined ? `${source}: ${key}` : where(key)));
  };
  const templateOverride = overrides.template;
  const resolved: ResolvedConfig = {
    source,
    name: config.name,
    location: config.location,
    template:
      templateOverride !== undefined
        ? resolveTemplate(templateOverride.value, cwd, () => templateOverride.flag)
        : boundedTemplate(
            resolveTemplate(config.template ?? 'default', baseDir, () => where('template')),
            (file) => bounded(file, () => where('template')),
          ),
    excludeTags: config['exclude-tags'] ?? [],
    builtWith: config['built-with'] ?? [],
    outputPath: fileSetting('output', DEFAULT_OUTPUT_FILE) as string,
    tagNotes: tagNotes(config['tag-notes'] ?? [], where),
    cosignOutput: config['cosign-output'] ?? 'current',
    identity: {},
    attestationIdentity: {},
    wording: {},
  };
  if (config.repo !== undefined) resolved.repo = config.repo;
  if (config['ci-workflow'] !== undefined) {
    if (config.repo === undefined)
      throw new InputError(
        `${where('ci-workflow')}: the badge links into repo's workflows, and repo is not set; set repo (the GitHub repository) or remove ci-workflow`,
      );
    resolved.ciWorkflow = config['ci-workflow'];
  }
  if (config['primary-tag'] !== undefined) resolved.primaryTag = { name: config['primary-tag'], setting: where('primary-tag') };
  if (overrides['exclude-tags'] !== undefined) resolved.excludeTagsSetting = overrides['exclude-tags'].flag;
  else if (config['exclude-tags'] !== undefined) resolved.excludeTagsSetting = where('exclude-tags');
  if (config.description !== undefined) {
    resolved.description = config.description;
  } else if (config['description-file'] !== undefined) {
    const file = bounded(fromConfig(config['description-file']), () => where('description-file'));
    resolved.description = readTextFile(file, () => where('description-file')).trimEnd();
  }
  if (config['usage-file'] !== undefined) {
    resolved.usage = readTextFile(
      bounded(fromConfig(config['usage-file']), () => where('usage-file')),
      () => where('usage-file'),
    );
  }
  const partials = userPartials(baseDir, cwd, bounded);
  if (partials !== undefined) resolved.partials = partials;
  const statePath = fileSetting('state');
  if (statePath !== undefined) resolved.statePath = statePath;
  resolved.identity = resolveIdentity(config.identity ?? {}, () => where('identity'));
  resolved.attestationIdentity =
    config['attestation-identity'] === undefined
      ? resolved.identity
      : resolveIdentity(config['attestation-identity'], () => where('attestation-identity'));
  const keyPath = fileSetting('key');
  if (keyPath !== undefined) resolved.keyPath = keyPath;
  const trustedRootPath = fileSetting('trusted-root');
  if (trustedRootPath !== undefined) resolved.trustedRootPath = trustedRootPath;
  resolveTuf(config, resolved, context, fileSetting);
  const wording = config.wording ?? {};
  if (wording.generator !== undefined) resolved.wording.generator = wording.generator;
  if (wording['signed-images'] !== undefined) resolved.wording.signedImages = wording['signed-images'];
  return resolved;
}

/**
 * Where an unpinned trusted root is refreshed from. A pinned root (trusted-root)
 * is never refreshed, so naming a TUF repository beside it is refused — except
 * a --trusted-root flag over a config that names one: the flag pins the root
 * for this run, as a flag overrides the config.
 */
function resolveTuf(
  config: ConfigFile,
  resolved: ResolvedConfig,
  context: ResolveContext,
  fileSetting: (key: 'tuf-root') => string | undefined,
): void {
  const { overrides, where } = context;
  const tufKey = (['tuf-mirror', 'tuf-root'] as const).find((key) => config[key] !== undefined);
  if (tufKey === undefined) return;
  const tufWhere = overrides[tufKey]?.flag ?? where(tufKey);
  if (resolved.trustedRootPath !== undefined) {
    const pinnedByFlag =
      overrides['trusted-root'] !== undefined && overrides['tuf-mirror'] === undefined && overrides['tuf-root'] === undefined;
    if (pinnedByFlag) return;
    throw new InputError(`${tufWhere}: trusted-root pins the trusted root, so it is never refreshed through TUF; keep one of them`);
  }
  const mirror = config['tuf-mirror'];
  if (mirror !== undefined) resolved.tufMirror = parseTufMirror(mirror, overrides['tuf-mirror']?.flag ?? where('tuf-mirror'));
  const root = fileSetting('tuf-root');
  if (root !== undefined) resolved.tufRootPath = root;
}

function resolveIdentity(identity: IdentityKeys, where: () => string): IdentityPolicy {
  const policy: IdentityPolicy = {};
  if (identity['certificate-identity'] !== undefined) policy.certificateIdentity = identity['certificate-identity'];
  if (identity['certificate-identity-regexp'] !== undefined) policy.certificateIdentityRegexp = identity['certificate-identity-regexp'];
  if (identity['certificate-oidc-issuer'] !== undefined) policy.certificateOidcIssuer = identity['certificate-oidc-issuer'];
  if (identity['certificate-oidc-issuer-regexp'] !== undefined)
    policy.certificateOidcIssuerRegexp = identity['certificate-oidc-issuer-regexp'];
  for (const [exact, pattern] of [
    ['certificate-identity', 'certificate-identity-regexp'],
    ['certificate-oidc-issuer', 'certificate-oidc-issuer-regexp'],
  ] as const) {
    if (identity[exact] !== undefined && identity[pattern] !== undefined) {
      throw new InputError(`${where()}: ${exact} and ${pattern} are both set; keep one, as cosign takes one`);
    }
  }
  checkPolicyExpressions(policy, where());
  return policy;
}

/** Each note with where it is written, for errors; a tag with two notes is refused, as a template would show both. */
function tagNotes(notes: NonNullable<ConfigFile['tag-notes']>, where: ResolveContext['where']): ResolvedConfig['tagNotes'] {
  return notes.map(({ tag, note }, index) => {
    const setting = where('tag-notes', [String(index), 'tag']);
    const first = notes.findIndex((other) => other.tag === tag);
    if (first !== index) throw new InputError(`${setting}: "${tag}" has a note already (entry ${first + 1}); keep one of them`);
    return { tag, note, setting };
  });
}

/** Where partials that replace a built-in template's are looked for, beside the config. */
const PARTIALS_DIR = path.join('templates', 'partials');

/** The *.hbs files in templates/partials/ beside the config, each confined to the repository like any file a config names. */
function userPartials(baseDir: string, cwd: string, bounded: (file: string, key: () => string) => string): UserPartials | undefined {
  const dir = path.join(baseDir, PARTIALS_DIR);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    noteAbsent(dir);
    return undefined;
  }
  const label = path.relative(cwd, dir) || dir;
  const listing = readdirSync(dir);
  noteListing(dir, listing);
  const names = listing
    .filter((file) => file.endsWith('.hbs'))
    .sort()
    .map((file) => {
      bounded(path.join(dir, file), () => `${label}/${file}`);
      return file.slice(0, -'.hbs'.length);
    });
  return names.length === 0 ? undefined : { dir, label, names };
}

/** A built-in's name passes through; a template path is checked like any file the config names. */
function boundedTemplate(template: string, check: (file: string) => string): string {
  return (BUILT_IN_TEMPLATES as readonly string[]).includes(template) ? template : check(template);
}

/** A built-in template's name stays a name; anything that looks like a path becomes an absolute one. */
function resolveTemplate(template: string, baseDir: string, where: () => string): string {
  if ((BUILT_IN_TEMPLATES as readonly string[]).includes(template)) return template;
  if (template.includes('/') || template.includes(path.sep) || /\.(hbs|handlebars|md)$/.test(template)) {
    return path.resolve(baseDir, template);
  }
  throw new InputError(
    `${where()}: "${template}" is neither a built-in template (${BUILT_IN_TEMPLATES.join(', ')}) nor a path; name a built-in or give a path like ./README.md.hbs`,
  );
}

function readTextFile(file: string, where: () => string): string {
  try {
    const text = readFileSync(file, 'utf8');
    noteFile(file, text);
    return text;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new InputError(`${where()}: cannot read ${file} (${code}); fix the path or create the file`, { cause: error });
  }
}
