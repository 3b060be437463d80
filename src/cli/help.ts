import { COMMANDS, type CommandName, FLAG_GROUP_TITLES, type FlagGroup, type FlagSpec, commandSpec, flagsOf } from './flags.js';

const WIDTH = 100;
const FLAG_COLUMN = 30;

/** `readme-gen --help`: what readme-gen is, and its commands. */
export function generalHelp(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    'Usage: readme-gen COMMAND [flags]',
    '',
    ...wrap(
      'Keeps the README of a container image repository true: tags, digests, platforms and verified signatures, read from the registry into a committed state file and rendered from a template.',
      0,
    ),
    '',
    'Commands:',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.brief}`),
    '',
    "readme-gen COMMAND --help shows a command's flags; readme-gen --version its version.",
    '',
    'Exit codes: 0 ok, 1 out of date, 2 bad input, 3 registry or network, 4 signature verification, 70 internal error, 74 disk full or I/O error.',
    '',
  ].join('\n');
}

/** `readme-gen COMMAND --help`: synopsis, what it does, its flags by group with defaults and config keys, examples. */
export function commandHelp(name: CommandName): string {
  const command = commandSpec(name);
  const groups = new Map<FlagGroup, FlagSpec[]>();
  for (const flag of flagsOf(name)) groups.set(flag.group, [...(groups.get(flag.group) ?? []), flag]);
  const lines = [`Usage: ${command.synopsis}`, '', ...wrap(command.summary, 0), ''];
  if (command.positionals) lines.push('Arguments:', ...flagLines(command.positionals.name, command.positionals.help), '');
  for (const [group, flags] of groups) {
    lines.push(...wrap(`${FLAG_GROUP_TITLES[group]}:`, 0));
    for (const flag of flags) lines.push(...flagLines(flagLabel(flag), flagHelp(flag)));
    lines.push('');
  }
  lines.push('Examples:');
  for (const example of command.examples) lines.push(...wrap(`# ${example.comment}`, 2), `  ${example.command}`);
  lines.push('', ...wrap(`Exit codes: ${command.exitCodes}.`, 0), '');
  return lines.join('\n');
}

function flagLabel(flag: FlagSpec): string {
  const short = flag.short ? `-${flag.short}, ` : '    ';
  return `${short}--${flag.name}${flag.value ? ` ${flag.value}` : ''}`;
}

function flagHelp(flag: FlagSpec): string {
  const notes = [
    flag.default === undefined ? undefined : `default: ${flag.default}`,
    flag.configKey === undefined ? undefined : `config: ${flag.configKey}`,
  ];
  const shown = notes.filter((note) => note !== undefined);
  return shown.length === 0 ? flag.help : `${flag.help} (${shown.join('; ')})`;
}

/** A label in the flag column and its help beside it, wrapped under itself; a long label puts the help on the next line. */
function flagLines(label: string, help: string): string[] {
  const text = wrap(help, FLAG_COLUMN);
  const head = `  ${label}`;
  if (head.length + 2 > FLAG_COLUMN) return [head, ...text];
  return [`${head.padEnd(FLAG_COLUMN)}${(text[0] ?? '').trimStart()}`, ...text.slice(1)];
}

function wrap(text: string, indent: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && indent + line.length + 1 + word.length > WIDTH) {
      lines.push(' '.repeat(indent) + line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(' '.repeat(indent) + line);
  return lines;
}
