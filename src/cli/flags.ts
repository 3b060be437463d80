import type { OverridableKey } from '../config/readme-gen-config.js';

/**
 * Every command and every flag of readme-gen, declared once. This table drives
 * the parser (which flags a command accepts, and which command owns a flag it
 * does not), each command's --help, and the config overrides (a flag that sets
 * a config key names it here, and nowhere else).
 */

export const COMMAND_NAMES = ['render', 'snapshot', 'verify', 'pr'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

export interface CommandSpec {
  name: CommandName;
  synopsis: string;
  /** what the command does, in a few sentences */
  summary: string;
  /** one line for the command list of `readme-gen --help` */
  brief: string;
  /** verify takes README files; the others take flags only */
  positionals?: { name: string; help: string };
  examples: { command: string; comment: string }[];
  /** when a non-zero exit other than an error means something for this command */
  exitCodes: string;
}

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'render',
    synopsis: 'readme-gen render [--config FILE | --all] [--write | --check | --diff | --print-view] [flags]',
    brief: 'render the README from readme-gen.yaml and the recorded image state',
    summary:
      "Renders the README of a container image from readme-gen.yaml, the recorded image state (the config's state:) and a template, and prints it, writes it, or compares it with the committed file. Without a state file it reads the registry live. Every signature it shows is verified first, offline.",
    examples: [
      { command: 'readme-gen render', comment: 'print the README readme-gen.yaml describes' },
      { command: 'readme-gen render --write', comment: 'update README.md (only when it changed)' },
      { command: 'readme-gen render --all --check --offline', comment: 'CI or pre-commit: exit 1 and a diff when a README is stale' },
      { command: 'readme-gen render --print-view --offline', comment: 'the fields a template can use, with their values, as JSON' },
    ],
    exitCodes:
      "0 ok; 1 with --check: a README is stale or missing; 2 bad input; 3 registry or network; 4 a signature failed verification, or the trusted root's TUF metadata was refused; 70 a bug in readme-gen; 74 a file could not be stored (disk full, quota, I/O error)",
  },
  {
    name: 'snapshot',
    synopsis: 'readme-gen snapshot [--config FILE | --all] [--out FILE | --check] [flags]',
    brief: 'read the registry and record the image state (tags, digests, platforms, signatures, attestations)',
    summary:
      "Reads the image's tags, digests, platforms and signatures from its registry and writes them to the state file (the config's state:), atomically and only when they changed. With --check it writes nothing: it compares the registry with the committed state and says what moved.",
    examples: [
      { command: 'readme-gen snapshot', comment: "refresh the config's state: file" },
      {
        command: 'readme-gen snapshot --check',
        comment: 'CI: exit 1 and a summary when the registry moved on since the state was committed',
      },
      { command: 'readme-gen snapshot --all --json', comment: 'every image under this directory, with a summary for scripts' },
    ],
    exitCodes:
      "0 ok; 1 with --check: the registry differs from the committed state; 2 bad input; 3 registry or network; 4 the trusted root's TUF metadata was refused (expired, badly signed, rolled back); 70 a bug in readme-gen; 74 a file could not be stored (disk full, quota, I/O error)",
  },
  {
    name: 'verify',
    synopsis: 'readme-gen verify README.md... [--config FILE] | --all [flags]',
    brief: 'check the signing data printed inside READMEs, offline',
    summary:
      "Checks the signing data printed inside READMEs (ours, or the original generator's), offline. Printed claims with a Rekor Bundle (or a printed signature and --key) prove themselves: each signed payload is rebuilt from them and verified, and the digest the tags table gives for the verified tag must be the one signed. A Sigstore bundle's printed claims carry no log proof, so such a README is checked against its committed state: the state's signatures are verified, the README is rendered from it, and every claim (tags and digests, log entries, printed claims, signer) must be what that renders. With --all, each configured README is checked with its own config's identity, key and trusted root.",
    positionals: { name: 'README.md...', help: 'the READMEs to check' },
    examples: [
      { command: 'readme-gen verify README.md', comment: 'is the printed signature authentic?' },
      {
        command:
          "readme-gen verify README.md --certificate-identity-regexp '^https://github.com/acme/' --certificate-oidc-issuer https://token.actions.githubusercontent.com",
        comment: 'and signed by whom you expect',
      },
    ],
    exitCodes:
      '0 every README is authentic; 2 bad input, or no config or state found for a README that needs one; 4 a README failed a check, or a claim differs from what its committed state renders (the message names it); 70 a bug in readme-gen',
  },
  {
    name: 'pr',
    synopsis: 'readme-gen pr [--config FILE | --all] [--base BRANCH] [--branch NAME] [--dry-run] [flags]',
    brief: 'for bots: refresh state and README, and propose the change as one pull request',
    summary:
      "For a bot on a schedule: reads the registry as snapshot does, renders as render --write does, and when the README or state differs from the base branch, puts both in one commit on a fixed branch, force-pushes it and opens (or updates) one pull request through GitHub's API. The token comes from GITHUB_TOKEN (or --token-env).",
    examples: [
      { command: 'readme-gen pr --dry-run', comment: 'show the commit and pull request it would make; writes nothing' },
      { command: 'readme-gen pr --all', comment: 'one pull request for every image under this directory' },
    ],
    exitCodes:
      "0 pull request opened, updated or up to date, or nothing changed; 2 bad input; 3 registry, git push or GitHub API; 4 a signature failed verification, or the trusted root's TUF metadata was refused; 70 a bug in readme-gen; 74 a file could not be stored (disk full, quota, I/O error)",
  },
];

export type FlagGroup = 'mode' | 'files' | 'image' | 'signatures' | 'registry' | 'output' | 'pull-request' | 'general';

export const FLAG_GROUP_TITLES: Record<FlagGroup, string> = {
  mode: 'Mode',
  files: 'Configuration and files',
  image: "The image (the original generator's flags; they override the config, or stand in for it when there is none)",
  signatures: 'Signatures (who must have signed; a failure exits 4)',
  registry: 'Registry',
  output: 'Output',
  'pull-request': 'Pull request',
  general: 'General',
};

export interface FlagSpec {
  name: string;
  short?: string;
  type: 'string' | 'boolean';
  /** may be given more than once */
  multiple?: boolean;
  /** the value's placeholder in help, e.g. FILE */
  value?: string;
  commands: readonly CommandName[];
  group: FlagGroup;
  help: string;
  /** what applies when the flag is absent, as help shows it */
  default?: string;
  /** the config key the flag overrides */
  configKey?: OverridableKey;
}

const ALL: readonly CommandName[] = COMMAND_NAMES;
const CONFIGURED: readonly CommandName[] = ['render', 'snapshot', 'pr'];
const REGISTRY_READERS: readonly CommandName[] = ['render', 'snapshot', 'pr'];
const VERIFIERS: readonly CommandName[] = ['render', 'verify', 'pr'];

/**
 * One entry per flag and meaning. A flag two commands use differently
 * (--check) has one entry per meaning; its name and type agree.
 */
export const FLAGS: readonly FlagSpec[] = [
  // Modes
  {
    name: 'write',
    short: 'w',
    type: 'boolean',
    commands: ['render'],
    group: 'mode',
    help: 'write the output file (atomically), only when it changed',
  },
  {
    name: 'check',
    type: 'boolean',
    commands: ['render'],
    group: 'mode',
    help: 'compare with the output file: exit 0 when equal, 1 and a unified diff when it differs or is missing; writes nothing',
  },
  {
    name: 'diff',
    short: 'd',
    type: 'boolean',
    commands: ['render'],
    group: 'mode',
    help: 'print the unified diff against the output file; exit 0',
  },
  {
    name: 'print-view',
    type: 'boolean',
    commands: ['render'],
    group: 'mode',
    help: 'print, as JSON, the view the template is rendered over (every field a template can use, with its value), without rendering the template; with --all, a list of {config, output, view}',
  },
  {
    name: 'check',
    type: 'boolean',
    commands: ['snapshot'],
    group: 'mode',
    help: 'read the registry and compare with the committed state: exit 0 when equal, 1 and a summary (tags added, removed, moved; platforms and signatures changed) when not; writes nothing',
  },
  {
    name: 'dry-run',
    type: 'boolean',
    commands: ['pr'],
    group: 'mode',
    help: 'print the plan (files, commit message, pull request title and body); write, commit, push and send nothing. Needs no token',
  },

  // Configuration and files
  {
    name: 'config',
    short: 'c',
    type: 'string',
    value: 'FILE',
    commands: CONFIGURED,
    group: 'files',
    help: 'the configuration',
    default: 'readme-gen.yaml',
  },
  {
    name: 'config',
    short: 'c',
    type: 'string',
    value: 'FILE',
    commands: ['verify'],
    group: 'files',
    help: "the configuration the READMEs were rendered from: its identity, key and trusted root apply (flags override them), and a README whose printed claims carry no log proof (a Sigstore bundle's) is checked against the committed state it names",
    default: 'for such a README, the readme-gen.yaml beside it or above it, up to the repository root, whose output it is',
  },
  {
    name: 'all',
    type: 'boolean',
    commands: ALL,
    group: 'files',
    help: 'every readme-gen.yaml under this directory (the files git sees, so .gitignore is honoured), with one registry session',
  },
  {
    name: 'state',
    type: 'string',
    value: 'FILE',
    commands: ['render'],
    group: 'files',
    configKey: 'state',
    help: 'the recorded image state to render from',
    default: "the config's state:, else the registry, live",
  },
  {
    name: 'out',
    type: 'string',
    value: 'FILE',
    commands: ['snapshot'],
    group: 'files',
    configKey: 'state',
    help: 'where to write (or, with --check, read) the state',
    default: "the config's state:",
  },
  {
    name: 'template',
    short: 't',
    type: 'string',
    value: 'NAME|FILE',
    commands: ['render'],
    group: 'files',
    configKey: 'template',
    help: 'a built-in template (default, distroless) or a Handlebars file',
    default: 'default',
  },
  {
    name: 'output',
    short: 'o',
    type: 'string',
    value: 'FILE',
    commands: ['render'],
    group: 'files',
    configKey: 'output',
    help: 'the README to write or check',
    default: 'README.md',
  },
  {
    name: 'offline',
    type: 'boolean',
    commands: ['render'],
    group: 'files',
    help: 'never read the registry: render from the committed state only (the pre-commit hook)',
  },
  {
    name: 'profile',
    type: 'string',
    value: 'dockerhub',
    commands: ['render'],
    group: 'files',
    help: 'dockerhub: the README as a Docker Hub description (no HTML comments, absolute links, under 25,000 bytes); needs --output with --write',
  },
  {
    name: 'allow-outside',
    type: 'boolean',
    commands: ALL,
    group: 'files',
    help: 'let a config name files outside its repository (refused by default; paths given as flags are yours to choose)',
  },

  // The image
  {
    name: 'name',
    type: 'string',
    value: 'NAME',
    commands: CONFIGURED,
    group: 'image',
    configKey: 'name',
    help: "the image's name, the README's title",
  },
  {
    name: 'location',
    type: 'string',
    value: 'REGISTRY/REPO',
    commands: CONFIGURED,
    group: 'image',
    configKey: 'location',
    help: 'where the image is pulled from, e.g. cgr.dev/chainguard/glibc-dynamic',
  },
  {
    name: 'repo',
    type: 'string',
    value: 'URL',
    commands: CONFIGURED,
    group: 'image',
    configKey: 'repo',
    help: "the image's source repository",
  },
  {
    name: 'description',
    type: 'string',
    value: 'TEXT',
    commands: CONFIGURED,
    group: 'image',
    configKey: 'description',
    help: 'Markdown shown under the title',
  },
  {
    name: 'exclude-tags',
    type: 'string',
    value: 'A,B',
    commands: CONFIGURED,
    group: 'image',
    configKey: 'exclude-tags',
    help: 'tags left out, comma-separated (exact names or * ? globs)',
  },

  // Signatures
  {
    name: 'certificate-identity',
    type: 'string',
    value: 'ID',
    commands: VERIFIERS,
    group: 'signatures',
    configKey: 'identity.certificate-identity',
    help: "the signing certificate's exact SAN, as cosign's flag",
    default: 'anyone the trusted CAs vouch for',
  },
  {
    name: 'certificate-identity-regexp',
    type: 'string',
    value: 'RE',
    commands: VERIFIERS,
    group: 'signatures',
    configKey: 'identity.certificate-identity-regexp',
    help: "a regular expression the certificate's SAN must match",
  },
  {
    name: 'certificate-oidc-issuer',
    type: 'string',
    value: 'URL',
    commands: VERIFIERS,
    group: 'signatures',
    configKey: 'identity.certificate-oidc-issuer',
    help: "the signing certificate's exact OIDC issuer",
    default: 'any issuer',
  },
  {
    name: 'certificate-oidc-issuer-regexp',
    type: 'string',
    value: 'RE',
    commands: VERIFIERS,
    group: 'signatures',
    configKey: 'identity.certificate-oidc-issuer-regexp',
    help: 'a regular expression the OIDC issuer must match',
  },
  {
    name: 'key',
    type: 'string',
    value: 'FILE',
    commands: VERIFIERS,
    group: 'signatures',
    configKey: 'key',
    help: 'a PEM public key, for keyed (non-keyless) signatures',
  },
  {
    name: 'trusted-root',
    type: 'string',
    value: 'FILE',
    commands: ALL,
    group: 'signatures',
    configKey: 'trusted-root',
    help: 'pin a Sigstore trusted_root.json (a private deployment, or a fixed root): used as it is, never refreshed',
    default: 'the public-good root, refreshed through TUF when the registry is read; offline, the cached or shipped one',
  },
  {
    name: 'tuf-mirror',
    type: 'string',
    value: 'URL',
    commands: ALL,
    group: 'signatures',
    configKey: 'tuf-mirror',
    help: 'the TUF repository the trusted root is refreshed from (a private Sigstore deployment); https, or http on loopback',
    default: 'https://tuf-repo-cdn.sigstore.dev',
  },
  {
    name: 'tuf-root',
    type: 'string',
    value: 'FILE',
    commands: REGISTRY_READERS,
    group: 'signatures',
    configKey: 'tuf-root',
    help: "the --tuf-mirror repository's root.json, trusted for the first refresh (later ones start from the cache)",
    default: 'the public-good root.json shipped with readme-gen',
  },
  {
    name: 'allow-unverified',
    type: 'boolean',
    commands: ['render', 'pr'],
    group: 'signatures',
    help: 'render a signature that fails verification as a visible warning instead of exiting 4',
  },

  // Registry
  {
    name: 'cache-dir',
    type: 'string',
    value: 'DIR',
    commands: ALL,
    group: 'registry',
    help: 'the cache: registry content by digest, the trusted root as TUF last refreshed it, verified signatures, and offline renders found up to date (safe to delete)',
    default: '$XDG_CACHE_HOME/readme-gen, else ~/.cache/readme-gen',
  },
  {
    name: 'concurrency',
    type: 'string',
    value: 'N',
    commands: REGISTRY_READERS,
    group: 'registry',
    help: 'requests in flight per registry host (1 to 256): connections on HTTP/1.1, streams of one connection on HTTP/2',
    default: '16 on HTTP/1.1, 64 on HTTP/2',
  },
  {
    name: 'no-http2',
    type: 'boolean',
    commands: REGISTRY_READERS,
    group: 'registry',
    help: 'HTTP/1.1 only: do not offer HTTP/2 to TLS registries (ALPN)',
  },
  { name: 'timeout', type: 'string', value: 'SECONDS', commands: REGISTRY_READERS, group: 'registry', help: 'per request', default: '30' },
  {
    name: 'insecure-registry',
    type: 'string',
    multiple: true,
    value: 'HOST',
    commands: REGISTRY_READERS,
    group: 'registry',
    help: 'plain HTTP for HOST (repeatable); loopback hosts use it unless certs.d has a directory for them (README, "TLS and private CAs")',
  },

  // Pull request
  {
    name: 'base',
    type: 'string',
    value: 'BRANCH',
    commands: ['pr'],
    group: 'pull-request',
    help: 'the branch the pull request targets',
    default: "origin's default branch, else main",
  },
  {
    name: 'branch',
    type: 'string',
    value: 'NAME',
    commands: ['pr'],
    group: 'pull-request',
    help: 'the branch rebuilt from the base and force-pushed on each run',
    default: 'readme-gen/update',
  },
  {
    name: 'token-env',
    type: 'string',
    value: 'NAME',
    commands: ['pr'],
    group: 'pull-request',
    help: 'the environment variable holding the GitHub token',
    default: 'GITHUB_TOKEN',
  },
  {
    name: 'api-url',
    type: 'string',
    value: 'URL',
    commands: ['pr'],
    group: 'pull-request',
    help: "GitHub's REST API (GitHub Enterprise: https://HOST/api/v3); https, or http on loopback",
    default: '$GITHUB_API_URL, else https://api.github.com',
  },

  // Output
  {
    name: 'quiet',
    short: 'q',
    type: 'boolean',
    commands: REGISTRY_READERS,
    group: 'output',
    help: 'no progress or registry warnings on stderr',
  },
  {
    name: 'json',
    type: 'boolean',
    commands: ALL,
    group: 'output',
    help: 'print one JSON object on stdout instead of the text output, for scripts',
  },

  // General
  { name: 'debug', type: 'boolean', commands: ALL, group: 'general', help: 'print stack traces with errors' },
  { name: 'help', short: 'h', type: 'boolean', commands: ALL, group: 'general', help: "this command's help" },
  { name: 'version', type: 'boolean', commands: ALL, group: 'general', help: "readme-gen's version" },
];

/** The entries for `command`, in table order. */
export function flagsOf(command: CommandName): FlagSpec[] {
  return FLAGS.filter((flag) => flag.commands.includes(command));
}

export function commandSpec(name: CommandName): CommandSpec {
  const spec = COMMANDS.find((command) => command.name === name);
  if (!spec) throw new Error(`no command ${name}`);
  return spec;
}

export function isCommandName(name: string): name is CommandName {
  return (COMMAND_NAMES as readonly string[]).includes(name);
}

/** The original generator's flags; Go's flag package also took them with one dash. */
export const ORIGINAL_FLAGS: readonly string[] = FLAGS.filter((flag) => flag.group === 'image').map((flag) => flag.name);
