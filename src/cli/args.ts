import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { ConfigOverrides, OverridableKey } from '../config/readme-gen-config.js';
import { InputError } from '../errors.js';
import { proseList } from '../text/prose-list.js';
import { nearestName } from '../validation/nearest-name.js';
import { type CommandName, FLAGS, type FlagSpec, COMMAND_NAMES, ORIGINAL_FLAGS, flagsOf, isCommandName } from './flags.js';

/** What the command line asks for: a command with its flags, or help, or the version. */
export type CommandLine = { command: 'help'; topic?: CommandName } | { command: 'version' } | CommandInvocation;

export interface CommandInvocation {
  command: CommandName;
  flags: Flags;
  /** verify's READMEs */
  positionals: string[];
  /** the flags that set config keys, by key */
  overrides: ConfigOverrides;
}

/** The values of the flags a command accepts, read by name. */
export class Flags {
  readonly #values: Readonly<Record<string, string | boolean | string[] | undefined>>;

  constructor(values: Readonly<Record<string, string | boolean | string[] | undefined>>) {
    this.#values = values;
  }

  string(name: string): string | undefined {
    const value = this.#values[name];
    return typeof value === 'string' ? value : undefined;
  }

  boolean(name: string): boolean {
    return this.#values[name] === true;
  }

  list(name: string): string[] {
    const value = this.#values[name];
    return Array.isArray(value) ? value : [];
  }

  has(name: string): boolean {
    return this.#values[name] !== undefined;
  }

  /** A whole number in [min, max], or undefined when the flag is absent. */
  integer(name: string, min: number, max: number): number | undefined {
    const text = this.string(name);
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!/^\s*\d+\s*$/.test(text) || !Number.isInteger(value) || value < min || value > max) {
      throw new InputError(`--${name} ${text}: give a whole number from ${min} to ${max}`);
    }
    return value;
  }
}

/**
 * Every flag name once, for node's parser. A name with one entry per command
 * (--check) has one type and short form, which test/cli/flags.test.ts holds.
 */
const PARSER_OPTIONS: NonNullable<ParseArgsConfig['options']> = Object.fromEntries(
  FLAGS.map((flag) => [
    flag.name,
    { type: flag.type, ...(flag.short ? { short: flag.short } : {}), ...(flag.multiple ? { multiple: true } : {}) },
  ]),
);

/**
 * Reads argv. A flag of another command is refused, naming the command that
 * owns it, so `render --dry-run` is never a render that silently ignored it.
 */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const args = argv.map(normalizeOriginalFlag);
  let parsed;
  try {
    parsed = parseArgs({ args, options: PARSER_OPTIONS, allowPositionals: true, strict: true, tokens: true });
  } catch (error) {
    const message = (error as Error).message;
    const unknown = /^Unknown option '([^']+)'/.exec(message)?.[1];
    const command = args.find(isCommandName);
    if (unknown === undefined) throw new InputError(`${(message.split('\n')[0] ?? message).replace(/\.$/, '')}; ${helpHint(command)}`);
    const known = (command === undefined ? FLAGS : flagsOf(command)).map((flag) => flag.name);
    const nearest = nearestName(unknown.replace(/^-+/, ''), known);
    throw new InputError(`unknown flag ${unknown}${nearest === undefined ? '' : `; did you mean --${nearest}?`}; ${helpHint(command)}`);
  }
  const { values, positionals, tokens } = parsed;
  const [first, ...rest] = positionals;

  if (first === undefined || first === 'help') {
    if (values.version === true) return { command: 'version' };
    const topic = first === 'help' ? rest[0] : undefined;
    if (topic === undefined) return { command: 'help' };
    if (!isCommandName(topic)) throw unknownCommand(topic);
    return { command: 'help', topic };
  }
  if (!isCommandName(first)) throw unknownCommand(first);
  const command = first;

  const accepted = flagsOf(command);
  for (const token of tokens) {
    if (token.kind !== 'option' || accepted.some((flag) => flag.name === token.name)) continue;
    const owners = COMMAND_NAMES.filter((name) => FLAGS.some((flag) => flag.name === token.name && flag.commands.includes(name)));
    const shown = token.rawName.startsWith('--') ? token.rawName : `${token.rawName} (--${token.name})`;
    throw new InputError(`${shown} is a flag of readme-gen ${proseList(owners)}, not of readme-gen ${command}; ${helpHint(command)}`);
  }
  if (values.help === true) return { command: 'help', topic: command };
  if (values.version === true) return { command: 'version' };

  const flags = new Flags(values as Record<string, string | boolean | string[] | undefined>);
  checkCombinations(command, flags, rest);
  return { command, flags, positionals: rest, overrides: overridesFrom(accepted, flags) };
}

/** The config keys the given flags set; a flag's value is kept as typed, with the flag's name for messages. */
function overridesFrom(accepted: readonly FlagSpec[], flags: Flags): ConfigOverrides {
  const overrides: ConfigOverrides = {};
  for (const flag of accepted) {
    const value = flags.string(flag.name);
    if (flag.configKey !== undefined && value !== undefined)
      overrides[flag.configKey satisfies OverridableKey] = { value, flag: `--${flag.name}` };
  }
  return overrides;
}

/** Flags that cannot go together, and arguments a command does not take. */
function checkCombinations(command: CommandName, flags: Flags, positionals: readonly string[]): void {
  if (command === 'verify') {
    if (positionals.length === 0 && !flags.boolean('all'))
      throw new InputError('verify needs the README to check: readme-gen verify README.md (or --all)');
    if (positionals.length > 0 && flags.boolean('all')) throw new InputError('verify takes READMEs or --all, not both');
  } else if (positionals.length > 0) {
    throw new InputError(`unexpected argument "${positionals[0]}"; readme-gen ${command} takes flags only, ${helpHint(command)}`);
  }
  if (flags.boolean('all')) {
    // These name one image or one file; with --all each config names its own.
    const single = ['config', 'out', 'output', 'state', 'name', 'location', 'repo', 'description'].find((name) => flags.has(name));
    if (single !== undefined)
      throw new InputError(
        `--all finds every readme-gen.yaml itself, and each names its own ${single === 'config' ? 'file' : single}; drop --${single}`,
      );
  }
  const modes = ['write', 'check', 'diff', 'print-view'].filter((mode) => flags.boolean(mode));
  if (modes.length > 1) throw new InputError(`--${modes[0]} and --${modes[1]} cannot be combined; pick one`);
  const profile = flags.string('profile');
  if (profile !== undefined && profile !== 'dockerhub') throw new InputError(`--profile ${profile}: the profiles are: dockerhub`);
}

function unknownCommand(name: string): InputError {
  const nearest = nearestName(name, COMMAND_NAMES);
  return new InputError(
    `unknown command "${name}"; ${nearest === undefined ? '' : `did you mean ${nearest}? `}the commands are: ${COMMAND_NAMES.join(', ')} (readme-gen --help lists them)`,
  );
}

function helpHint(command: CommandName | undefined): string {
  return command === undefined ? 'see readme-gen --help' : `see readme-gen ${command} --help`;
}

/** Go's flag package, which the original tool used, also took its flags with one dash. */
function normalizeOriginalFlag(argument: string): string {
  const match = /^-([a-z-]+)(=.*)?$/s.exec(argument);
  return match && ORIGINAL_FLAGS.includes(match[1] ?? '') ? `-${argument}` : argument;
}
