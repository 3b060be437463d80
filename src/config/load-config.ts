import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';
import { parseValidated, positionOf, validateValue } from '../validation/validate-document.js';
import { type IdentityPolicy, checkPolicyExpressions } from '../signatures/identity-policy.js';
import { assertInside, repositoryRoot } from './repository-bounds.js';
import type { ConfigFile, ResolvedConfig } from './readme-gen-config.js';

export const DEFAULT_CONFIG_FILE = 'readme-gen.yaml';

/**
 * The original generator's flags, plus ours that every command accepts.
 * Flag values override the config file, or stand in for it when there is none.
 */
export interface ConfigOverrides {
  repo?: string;
  name?: string;
  location?: string;
  description?: string;
  /** comma-separated, as the original took it */
  excludeTags?: string;
  output?: string;
  template?: string;
  state?: string;
  certificateIdentity?: string;
  certificateIdentityRegexp?: string;
  certificateOidcIssuer?: string;
  certificateOidcIssuerRegexp?: string;
  key?: string;
  trustedRoot?: string;
}

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
    throw new InputError(`--${missing}: required when there is no ${DEFAULT_CONFIG_FILE} in ${cwd}; pass both --name and --location, or --config FILE`);
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
  } catch (error) {
    throw new InputError(`${label}: cannot read the config file (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
  }
  const file = parseValidated<ConfigFile>(text, label, 'config', 'yaml');
  const merged = validateValue<ConfigFile>(applyOverrides(file, overrides), 'config', flagName);
  /** A config key as errors name it: file:line:col of its value, then the key. */
  const where = (key: keyof ConfigFile) => `${label}:${positionOf(text, [key])}: ${key}`;
  if (merged.description !== undefined && merged['description-file'] !== undefined && overrides.description === undefined) {
    const descriptionLine = positionOf(text, ['description']).split(':')[0];
    throw new InputError(`${where('description-file')}: description is also set (line ${descriptionLine}); keep one of them`);
  }
  const baseDir = path.dirname(configFile);
  return resolve(merged, { source: label, baseDir, cwd, overrides, where, root });
}

function fromFlagsOnly(cwd: string, overrides: ConfigOverrides, root: string | undefined): ResolvedConfig {
  const fromFlags = validateValue<ConfigFile>(applyOverrides({} as ConfigFile, overrides), 'config', flagName);
  const withDefaults: ConfigFile = {
    template: ORIGINAL_TOOL_DEFAULTS.template,
    'built-with': [...ORIGINAL_TOOL_DEFAULTS.builtWith],
    ...(fromFlags.repo === undefined ? {} : { 'ci-workflow': ORIGINAL_TOOL_DEFAULTS.ciWorkflow }),
    wording: { ...ORIGINAL_TOOL_DEFAULTS.wording },
    ...fromFlags,
    'exclude-tags': [...ORIGINAL_TOOL_DEFAULTS.excludeTags, ...(fromFlags['exclude-tags'] ?? [])],
  };
  return resolve(withDefaults, { source: 'command line', baseDir: cwd, cwd, overrides, where: flagName, root });
}

function applyOverrides(file: ConfigFile, overrides: ConfigOverrides): ConfigFile {
  const merged: ConfigFile = { ...file };
  if (overrides.name !== undefined) merged.name = overrides.name;
  if (overrides.location !== undefined) merged.location = overrides.location;
  if (overrides.repo !== undefined) merged.repo = overrides.repo;
  if (overrides.description !== undefined) {
    merged.description = overrides.description;
    delete merged['description-file'];
  }
  if (overrides.excludeTags !== undefined) {
    merged['exclude-tags'] = overrides.excludeTags.split(',').map((tag) => tag.trim()).filter((tag) => tag !== '');
  }
  if (overrides.template !== undefined) merged.template = overrides.template;
  const identity = { ...merged.identity };
  if (overrides.certificateIdentity !== undefined) identity['certificate-identity'] = overrides.certificateIdentity;
  if (overrides.certificateIdentityRegexp !== undefined) identity['certificate-identity-regexp'] = overrides.certificateIdentityRegexp;
  if (overrides.certificateOidcIssuer !== undefined) identity['certificate-oidc-issuer'] = overrides.certificateOidcIssuer;
  if (overrides.certificateOidcIssuerRegexp !== undefined) identity['certificate-oidc-issuer-regexp'] = overrides.certificateOidcIssuerRegexp;
  if (Object.keys(identity).length > 0) merged.identity = identity;
  return merged;
}

/** Schema keys as the flags that set them, for errors about flag values. */
function flagName(key: string): string {
  return key === '' ? 'command line' : `--${key}`;
}

interface ResolveContext {
  source: string;
  /** directory config-relative paths are resolved against */
  baseDir: string;
  cwd: string;
  overrides: ConfigOverrides;
  /** How errors name a setting: `file:line:col: key` from a config file, `--key` from flags. */
  where: (key: keyof ConfigFile) => string;
  /** the repository the files must stay in; undefined with --allow-outside */
  root: string | undefined;
}

function resolve(config: ConfigFile, context: ResolveContext): ResolvedConfig {
  const { baseDir, cwd, overrides, source, where, root } = context;
  const fromConfig = (file: string) => path.resolve(baseDir, file);
  /** A file the config names, refused when it resolves outside the repository. */
  const bounded = (file: string, key: () => string) => {
    if (root !== undefined) assertInside(root, file, key);
    return file;
  };
  const resolved: ResolvedConfig = {
    source,
    name: config.name,
    location: config.location,
    template:
      overrides.template !== undefined
        ? boundedTemplate(resolveTemplate(overrides.template, cwd, () => '--template'), (file) => bounded(file, () => '--template'))
        : boundedTemplate(resolveTemplate(config.template ?? 'default', baseDir, () => where('template')), (file) => bounded(file, () => where('template'))),
    excludeTags: config['exclude-tags'] ?? [],
    builtWith: config['built-with'] ?? [],
    outputPath:
      overrides.output !== undefined
        ? bounded(path.resolve(cwd, overrides.output), () => '--output')
        : bounded(fromConfig(config.output ?? 'README.md'), () => (config.output === undefined ? `${source}: output` : where('output'))),
    cosignOutput: config['cosign-output'] ?? 'current',
    identity: {},
    wording: {},
  };
  if (config.repo !== undefined) resolved.repo = config.repo;
  if (config['ci-workflow'] !== undefined) {
    if (config.repo === undefined) throw new InputError(`${where('ci-workflow')}: the badge links into repo's workflows, and repo is not set; set repo (the GitHub repository) or remove ci-workflow`);
    resolved.ciWorkflow = config['ci-workflow'];
  }
  if (config['primary-tag'] !== undefined) resolved.primaryTag = { name: config['primary-tag'], setting: where('primary-tag') };
  if (overrides.excludeTags !== undefined) resolved.excludeTagsSetting = '--exclude-tags';
  else if (config['exclude-tags'] !== undefined) resolved.excludeTagsSetting = where('exclude-tags');
  if (config.description !== undefined) {
    resolved.description = config.description;
  } else if (config['description-file'] !== undefined) {
    const file = bounded(fromConfig(config['description-file']), () => where('description-file'));
    resolved.description = readTextFile(file, () => where('description-file')).trimEnd();
  }
  if (config['usage-file'] !== undefined) {
    resolved.usage = readTextFile(bounded(fromConfig(config['usage-file']), () => where('usage-file')), () => where('usage-file'));
  }
  if (overrides.state !== undefined) resolved.statePath = path.resolve(cwd, overrides.state);
  else if (config.state !== undefined) resolved.statePath = fromConfig(config.state);
  resolved.identity = resolveIdentity(config.identity ?? {}, () => where('identity'));
  if (overrides.key !== undefined) resolved.keyPath = path.resolve(cwd, overrides.key);
  else if (config.key !== undefined) resolved.keyPath = fromConfig(config.key);
  if (overrides.trustedRoot !== undefined) resolved.trustedRootPath = path.resolve(cwd, overrides.trustedRoot);
  else if (config['trusted-root'] !== undefined) resolved.trustedRootPath = fromConfig(config['trusted-root']);
  const wording = config.wording ?? {};
  if (wording.generator !== undefined) resolved.wording.generator = wording.generator;
  if (wording['signed-images'] !== undefined) resolved.wording.signedImages = wording['signed-images'];
  return resolved;
}

function resolveIdentity(identity: NonNullable<ConfigFile['identity']>, where: () => string): IdentityPolicy {
  const policy: IdentityPolicy = {};
  if (identity['certificate-identity'] !== undefined) policy.certificateIdentity = identity['certificate-identity'];
  if (identity['certificate-identity-regexp'] !== undefined) policy.certificateIdentityRegexp = identity['certificate-identity-regexp'];
  if (identity['certificate-oidc-issuer'] !== undefined) policy.certificateOidcIssuer = identity['certificate-oidc-issuer'];
  if (identity['certificate-oidc-issuer-regexp'] !== undefined) policy.certificateOidcIssuerRegexp = identity['certificate-oidc-issuer-regexp'];
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

/** A built-in's name passes through; a template path is checked like any file the config names. */
function boundedTemplate(template: string, check: (file: string) => string): string {
  return (BUILT_IN_TEMPLATES as readonly string[]).includes(template) ? template : check(template);
}

export const BUILT_IN_TEMPLATES = ['default', 'distroless'] as const;

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
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new InputError(`${where()}: cannot read ${file} (${code}); fix the path or create the file`, { cause: error });
  }
}
