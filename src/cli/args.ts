import { parseArgs } from 'node:util';
import type { ConfigOverrides } from '../config/load-config.js';
import { InputError } from '../errors.js';
import type { RenderMode } from '../commands/render.js';

export const COMMANDS = ['render', 'snapshot', 'verify', 'pr'] as const;

export interface CliArguments {
  command: (typeof COMMANDS)[number] | 'help' | 'version';
  /** verify: the READMEs to check */
  files: string[];
  debug: boolean;
  configPath?: string;
  overrides: ConfigOverrides;
  mode: RenderMode;
  allowUnverified: boolean;
  registry: RegistryArguments;
  /** --all: every readme-gen.yaml under the working tree */
  all: boolean;
  /** --allow-outside: a config may name files outside its repository */
  allowOutside: boolean;
  /** --offline: never read the registry (render from committed state only) */
  offline: boolean;
  /** --profile dockerhub: the README as a Docker Hub description */
  profile?: 'dockerhub';
  pr: PrArguments;
}

/** `readme-gen pr`: where to push and which pull request to open or update. */
export interface PrArguments {
  base?: string;
  branch?: string;
  /** the environment variable holding the GitHub token; default GITHUB_TOKEN */
  tokenEnv?: string;
  apiUrl?: string;
  dryRun: boolean;
}

/** How to reach the registry: snapshot, and render without a state file. */
export interface RegistryArguments {
  /** snapshot --out */
  out?: string;
  cacheDir?: string;
  concurrency?: number;
  insecureRegistries: string[];
  quiet: boolean;
  json: boolean;
  /** per request, --timeout SECONDS */
  timeoutMs?: number;
}

/** The original generator's flags; Go's flag package also took them with one dash. */
const ORIGINAL_FLAGS = ['repo', 'name', 'location', 'description', 'exclude-tags'];

const options = {
  config: { type: 'string', short: 'c' },
  repo: { type: 'string' },
  name: { type: 'string' },
  location: { type: 'string' },
  description: { type: 'string' },
  'exclude-tags': { type: 'string' },
  output: { type: 'string', short: 'o' },
  template: { type: 'string', short: 't' },
  state: { type: 'string' },
  'certificate-identity': { type: 'string' },
  'certificate-identity-regexp': { type: 'string' },
  'certificate-oidc-issuer': { type: 'string' },
  'certificate-oidc-issuer-regexp': { type: 'string' },
  key: { type: 'string' },
  'trusted-root': { type: 'string' },
  'allow-unverified': { type: 'boolean' },
  out: { type: 'string' },
  'cache-dir': { type: 'string' },
  concurrency: { type: 'string' },
  'insecure-registry': { type: 'string', multiple: true },
  quiet: { type: 'boolean', short: 'q' },
  json: { type: 'boolean' },
  all: { type: 'boolean' },
  'allow-outside': { type: 'boolean' },
  timeout: { type: 'string' },
  offline: { type: 'boolean' },
  profile: { type: 'string' },
  base: { type: 'string' },
  branch: { type: 'string' },
  'token-env': { type: 'string' },
  'api-url': { type: 'string' },
  'dry-run': { type: 'boolean' },
  write: { type: 'boolean', short: 'w' },
  check: { type: 'boolean' },
  diff: { type: 'boolean', short: 'd' },
  debug: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

export function parseCliArguments(argv: readonly string[]): CliArguments {
  let parsed;
  try {
    parsed = parseArgs({ args: argv.map(normalizeOriginalFlag), options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = (error as Error).message;
    const unknown = /^Unknown option '([^']+)'/.exec(message);
    throw new InputError(`${unknown ? `unknown flag ${unknown[1]}` : message.split('\n')[0]}; see readme-gen --help`);
  }
  const { values, positionals } = parsed;
  const debug = values.debug ?? false;
  const allowUnverified = values['allow-unverified'] ?? false;
  const registry = registryArguments(values);
  const all = values.all ?? false;
  const allowOutside = values['allow-outside'] ?? false;
  const offline = values.offline ?? false;
  const pr: PrArguments = { dryRun: values['dry-run'] ?? false };
  if (values.base !== undefined) pr.base = values.base;
  if (values.branch !== undefined) pr.branch = values.branch;
  if (values['token-env'] !== undefined) pr.tokenEnv = values['token-env'];
  if (values['api-url'] !== undefined) pr.apiUrl = values['api-url'];
  const base = { debug, overrides: {}, mode: 'print' as const, allowUnverified, files: [], registry, all, allowOutside, offline, pr };
  if (values.version) return { ...base, command: 'version' };
  const [command, ...files] = positionals;
  if (values.help || command === undefined || command === 'help') return { ...base, command: 'help' };
  if (!isCommand(command)) throw new InputError(`unknown command "${command}"; the commands are: ${COMMANDS.join(', ')}`);
  if (command !== 'verify' && files.length > 0) throw new InputError(`unexpected argument "${files[0]}"; ${command} takes flags only, see readme-gen --help`);
  if (command === 'verify' && files.length === 0 && !all) throw new InputError('verify needs the README to check: readme-gen verify README.md (or --all)');
  if (command === 'verify' && files.length > 0 && all) throw new InputError('verify takes READMEs or --all, not both');
  if (all && values.config !== undefined) throw new InputError('--all finds every readme-gen.yaml itself; drop --config');
  if (all && values.out !== undefined) throw new InputError('--all writes each image\'s state to its config\'s state:; drop --out');
  if (values.profile !== undefined && values.profile !== 'dockerhub') throw new InputError(`--profile ${values.profile}: the profiles are: dockerhub`);

  const modes = (['write', 'check', 'diff'] as const).filter((mode) => values[mode]);
  if (modes.length > 1) throw new InputError(`--${modes[0]} and --${modes[1]} cannot be combined; pick one`);

  const overrides: ConfigOverrides = {};
  if (values.repo !== undefined) overrides.repo = values.repo;
  if (values.name !== undefined) overrides.name = values.name;
  if (values.location !== undefined) overrides.location = values.location;
  if (values.description !== undefined) overrides.description = values.description;
  if (values['exclude-tags'] !== undefined) overrides.excludeTags = values['exclude-tags'];
  if (values.output !== undefined) overrides.output = values.output;
  if (values.template !== undefined) overrides.template = values.template;
  if (values.state !== undefined) overrides.state = values.state;
  if (values['certificate-identity'] !== undefined) overrides.certificateIdentity = values['certificate-identity'];
  if (values['certificate-identity-regexp'] !== undefined) overrides.certificateIdentityRegexp = values['certificate-identity-regexp'];
  if (values['certificate-oidc-issuer'] !== undefined) overrides.certificateOidcIssuer = values['certificate-oidc-issuer'];
  if (values['certificate-oidc-issuer-regexp'] !== undefined) overrides.certificateOidcIssuerRegexp = values['certificate-oidc-issuer-regexp'];
  if (values.key !== undefined) overrides.key = values.key;
  if (values['trusted-root'] !== undefined) overrides.trustedRoot = values['trusted-root'];
  const result: CliArguments = { command, files, debug, overrides, mode: modes[0] ?? 'print', allowUnverified, registry, all, allowOutside, offline, pr };
  if (values.config !== undefined) result.configPath = values.config;
  if (values.profile === 'dockerhub') result.profile = 'dockerhub';
  return result;
}

function isCommand(command: string): command is (typeof COMMANDS)[number] {
  return (COMMANDS as readonly string[]).includes(command);
}

function registryArguments(values: {
  out?: string;
  'cache-dir'?: string;
  concurrency?: string;
  'insecure-registry'?: string[];
  quiet?: boolean;
  json?: boolean;
  timeout?: string;
}): RegistryArguments {
  const registry: RegistryArguments = { insecureRegistries: values['insecure-registry'] ?? [], quiet: values.quiet ?? false, json: values.json ?? false };
  if (values.out !== undefined) registry.out = values.out;
  if (values['cache-dir'] !== undefined) registry.cacheDir = values['cache-dir'];
  if (values.concurrency !== undefined) {
    const concurrency = Number(values.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
      throw new InputError(`--concurrency ${values.concurrency}: give a whole number from 1 to 256`);
    }
    registry.concurrency = concurrency;
  }
  if (values.timeout !== undefined) {
    const seconds = Number(values.timeout);
    if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) throw new InputError(`--timeout ${values.timeout}: give seconds, more than 0 and at most 3600`);
    registry.timeoutMs = seconds * 1000;
  }
  return registry;
}

function normalizeOriginalFlag(argument: string): string {
  const match = /^-([a-z-]+)(=.*)?$/s.exec(argument);
  return match && ORIGINAL_FLAGS.includes(match[1] ?? '') ? `-${argument}` : argument;
}

export const USAGE = `Usage: readme-gen render [flags]
       readme-gen snapshot [--config FILE] [--out FILE] [registry flags]
       readme-gen verify README.md... | --all [signature flags]
       readme-gen pr [--base BRANCH] [--branch NAME] [--token-env NAME] [--api-url URL] [--dry-run]

render:   renders the README of a container image from readme-gen.yaml and the recorded image
          state (or, with no state file, the registry read live).
snapshot: reads tags, digests, platforms and signatures from the registry and writes the state.
pr:       for bots: refreshes the state, renders, and when anything changed pushes a branch and
          opens (or updates) one pull request through GitHub's API.

Every command takes --all: every readme-gen.yaml under the working tree (honouring .gitignore),
with one registry client and one cache.
      --offline          never read the registry: render from the committed state only
      --allow-outside    let a config name files outside its repository (refused by default)
      --profile dockerhub  the README as a Docker Hub description: no HTML comments, absolute
                         links, under 25,000 bytes (tags table trimmed first)
verify: checks the signing data printed inside READMEs: rebuilds each signed payload from the
        printed claims and verifies it offline, and checks that the tags table's digest for the
        verified tag is the one signed. Exit 0 when authentic, 4 and the failed check otherwise.

Modes (default: print the README to stdout):
  -w, --write            write it to the output file (atomically)
      --check            compare with the output file: exit 0 when equal, 1 and a diff when not
  -d, --diff             print the diff against the output file and exit 0

Inputs:
  -c, --config FILE      configuration (default: readme-gen.yaml)
      --state FILE       recorded image state (default: the config's state:)
  -t, --template NAME|FILE  built-in template (default, distroless) or a Handlebars file
  -o, --output FILE      the README to write or check (default: the config's output:, else README.md)

Signatures (every signature shown is verified first, offline; a failure exits 4):
      --certificate-identity ID | --certificate-identity-regexp RE
      --certificate-oidc-issuer URL | --certificate-oidc-issuer-regexp RE
                         who must have signed, as cosign's flags (default: anyone the CAs vouch for)
      --key FILE         public key for keyed (non-keyless) signatures
      --trusted-root FILE  Sigstore trusted_root.json (default: the public-good root shipped with readme-gen)
      --allow-unverified render a failed signature as a visible warning instead of exiting 4

Registry (snapshot, and render with no state file):
      --out FILE         snapshot: where to write the state (default: the config's state:)
      --cache-dir DIR    content cache (default: $XDG_CACHE_HOME/readme-gen or ~/.cache/readme-gen)
      --concurrency N    requests in flight per host (default 16)
      --timeout SECONDS  per request (default 30)
      --insecure-registry HOST  plain HTTP for HOST (loopback hosts always use it)
  -q, --quiet            no progress on stderr
      --json             print a summary (requests by kind, cache hits, bytes) on stdout
  Credentials: READMEGEN_REGISTRY_USERNAME and READMEGEN_REGISTRY_PASSWORD, else the docker
  config's auths ($DOCKER_CONFIG/config.json or ~/.docker/config.json).

The original generator's flags override the config, or replace it when there is none:
      --repo URL  --name NAME  --location REGISTRY/REPO  --description TEXT  --exclude-tags A,B

      --debug            print stack traces
  -h, --help             this help
      --version          readme-gen's version

Exit codes: 0 ok, 1 out of date, 2 bad input, 3 registry or network, 4 signature verification, 70 internal error.
`;
