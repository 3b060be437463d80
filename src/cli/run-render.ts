import type { RenderMode, RenderOptions, RenderResult } from '../commands/render.js';
import { renderAll } from '../commands/render-all.js';
import type { FetchOptions } from '../registry/fetch-state.js';
import { ExitCode, InputError } from '../errors.js';
import { counted } from '../text/counted.js';
import type { CommandInvocation } from './args.js';
import { printJson, relative, withConfigs } from './cli-shared.js';

/** `readme-gen render`: one README, or with --all every configured one, sharing one registry session. */
export async function runRender(invocation: CommandInvocation, cwd: string): Promise<number> {
  const { flags } = invocation;
  if (flags.boolean('print-view')) return printViews(invocation, cwd);
  const mode: RenderMode = flags.boolean('write') ? 'write' : flags.boolean('check') ? 'check' : flags.boolean('diff') ? 'diff' : 'print';
  const { result: results, configs } = await withConfigs(invocation, cwd, (configs, fetch) =>
    renderAll({
      ...renderOptions(invocation, cwd, fetch),
      configs,
      mode,
      ...(flags.string('profile') === 'dockerhub' ? { profile: 'dockerhub' as const } : {}),
    }),
  );
  const configNames = configs.map((config) => (config ? relative(cwd, config) : 'readme-gen.yaml'));
  const stale = results.filter((result) => !result.upToDate);
  const exitCode = mode === 'check' && stale.length > 0 ? ExitCode.outOfDate : ExitCode.ok;
  if (flags.boolean('json')) {
    printJson({
      mode,
      readmes: results.map((result, index) => ({
        config: configNames[index],
        output: result.output,
        upToDate: result.upToDate,
        missing: result.previous === undefined,
        written: result.written,
        ...(mode === 'print' ? { content: result.content } : {}),
        ...(mode === 'check' || mode === 'diff' ? { diff: result.diff } : {}),
      })),
    });
    return exitCode;
  }
  report(mode, flags.boolean('all'), results, stale, configNames);
  return exitCode;
}

/** What every render of one config takes from the command line, whatever the mode. */
function renderOptions(
  invocation: CommandInvocation,
  cwd: string,
  fetch: FetchOptions,
): Omit<RenderOptions, 'mode' | 'profile' | 'configPath'> {
  return {
    cwd,
    overrides: invocation.overrides,
    allowOutside: invocation.flags.boolean('allow-outside'),
    allowUnverified: invocation.flags.boolean('allow-unverified'),
    fetch,
  };
}

/** `render --print-view`: one view as JSON, or with --all each config's, in a list. */
async function printViews(invocation: CommandInvocation, cwd: string): Promise<number> {
  const { flags } = invocation;
  if (flags.has('profile')) throw new InputError('--print-view prints the view, which no profile changes; drop --profile');
  const { result: views, configs } = await withConfigs(invocation, cwd, async (configs, fetch) => {
    const printed = [];
    // Loaded here: renderAll loads the render machinery only for a README it has to render.
    const { renderView } = await import('../commands/render.js');
    for (const configPath of configs)
      printed.push(await renderView({ ...renderOptions(invocation, cwd, fetch), ...(configPath === undefined ? {} : { configPath }) }));
    return printed;
  });
  const listed = views.map(({ output, view }, index) => {
    const config = configs[index];
    return { config: config ? relative(cwd, config) : 'readme-gen.yaml', output, view };
  });
  process.stdout.write(`${JSON.stringify(flags.boolean('all') ? listed : listed[0]?.view, null, 2)}\n`);
  return ExitCode.ok;
}

function report(mode: RenderMode, all: boolean, results: RenderResult[], stale: RenderResult[], configs: string[]): void {
  const note = (message: string) => process.stderr.write(`readme-gen: ${message}\n`);
  switch (mode) {
    case 'print':
      results.forEach((result, index) => {
        if (all) process.stdout.write(`${index > 0 ? '\n' : ''}==> ${result.output} (${configs[index]}) <==\n`);
        process.stdout.write(result.content);
      });
      return;
    case 'write':
      for (const result of results) note(result.written ? `wrote ${result.output}` : `${result.output} is up to date`);
      return;
    case 'diff':
      for (const result of results) process.stdout.write(result.diff);
      return;
    case 'check': {
      for (const result of stale) {
        process.stdout.write(result.diff);
        const missing = result.previous === undefined;
        process.stderr.write(
          `readme-gen: ${result.output} is ${missing ? 'missing' : 'out of date'}; run \`readme-gen render --write\` to ${missing ? 'create' : 'update'} it\n`,
        );
      }
      if (all) {
        if (stale.length === 0)
          note(results.length === 1 ? '1 README is up to date' : `all ${counted(results.length, 'README')} are up to date`);
        else
          process.stderr.write(
            `readme-gen: ${stale.length} of ${counted(results.length, 'README')} ${stale.length === 1 ? 'is' : 'are'} out of date; run \`readme-gen render --all --write\`\n`,
          );
      }
      return;
    }
  }
}
