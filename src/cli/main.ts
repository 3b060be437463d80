import { ExitCode, InternalError, ReadmeGenError } from '../errors.js';
import { readmeGenVersion } from '../package-root.js';
import { parseCommandLine } from './args.js';
import { commandHelp, generalHelp } from './help.js';

/** Runs one command and returns the process exit code; the only place exit codes are decided. */
export async function main(argv: readonly string[], cwd: string): Promise<number> {
  let debug = argv.includes('--debug');
  try {
    const commandLine = parseCommandLine(argv);
    switch (commandLine.command) {
      case 'help':
        process.stdout.write(commandLine.topic === undefined ? generalHelp() : commandHelp(commandLine.topic));
        return ExitCode.ok;
      case 'version':
        process.stdout.write(`${readmeGenVersion()}\n`);
        return ExitCode.ok;
    }
    debug = commandLine.flags.boolean('debug');
    // Commands are loaded when run, so `--version` and `--help` start at once.
    switch (commandLine.command) {
      case 'render':
        return await (await import('./run-render.js')).runRender(commandLine, cwd);
      case 'snapshot':
        return await (await import('./run-snapshot.js')).runSnapshot(commandLine, cwd);
      case 'verify':
        return (await import('./run-verify.js')).runVerify(commandLine, cwd);
      case 'pr':
        return await (await import('./run-pr.js')).runPr(commandLine, cwd);
    }
  } catch (error) {
    if (error instanceof ReadmeGenError && !(error instanceof InternalError)) {
      process.stderr.write(`readme-gen: ${printable(error.message)}\n`);
      if (debug && error.stack) process.stderr.write(`${printable(error.stack)}\n`);
      return error.exitCode;
    }
    const message = printable(error instanceof Error ? error.message : String(error));
    process.stderr.write(
      `readme-gen: internal error: ${message} (this is a bug in readme-gen; rerun with --debug for the stack trace and report it)\n`,
    );
    if (debug && error instanceof Error && error.stack) process.stderr.write(`${printable(error.stack)}\n`);
    return ExitCode.internal;
  }
}

/**
 * A message for the terminal: it may quote what a registry or a certificate
 * holds, so every control character but the line feed is written as an
 * escape (\u001b), never sent raw to rewrite the screen or hide text.
 */
function printable(message: string): string {
  return message.replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
