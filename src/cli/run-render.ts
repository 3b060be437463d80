import { type RenderResult, render } from '../commands/render.js';
import { ExitCode } from '../errors.js';
import type { CliArguments } from './args.js';
import { relative, withConfigs } from './cli-shared.js';

/** `readme-gen render`: one README, or with --all every configured one, sharing one registry session. */
export async function runRender(args: CliArguments, cwd: string): Promise<number> {
  const { result: results, configs } = await withConfigs(args, cwd, async (configs, fetch) => {
    const rendered: RenderResult[] = [];
    for (const configPath of configs) {
      rendered.push(
        await render({
          cwd,
          mode: args.mode,
          overrides: args.overrides,
          allowOutside: args.allowOutside,
          allowUnverified: args.allowUnverified,
          fetch,
          ...(configPath === undefined ? {} : { configPath }),
          ...(args.profile ? { profile: args.profile } : {}),
        }),
      );
    }
    return rendered;
  });
  return report(args, results, configs.map((config) => (config ? relative(cwd, config) : 'readme-gen.yaml')));
}

function report(args: CliArguments, results: RenderResult[], configs: string[]): number {
  switch (args.mode) {
    case 'print':
      results.forEach((result, index) => {
        if (args.all) process.stdout.write(`${index > 0 ? '\n' : ''}==> ${result.output} (${configs[index]}) <==\n`);
        process.stdout.write(result.content);
      });
      return ExitCode.ok;
    case 'write':
      for (const result of results) process.stderr.write(result.written ? `readme-gen: wrote ${result.output}\n` : `readme-gen: ${result.output} is up to date\n`);
      return ExitCode.ok;
    case 'diff':
      for (const result of results) process.stdout.write(result.diff);
      return ExitCode.ok;
    case 'check': {
      const stale = results.filter((result) => !result.upToDate);
      for (const result of stale) {
        process.stdout.write(result.diff);
        process.stderr.write(`readme-gen: ${result.output} is ${result.previous === undefined ? 'missing' : 'out of date'}; run \`readme-gen render --write\` to update it\n`);
      }
      if (args.all) {
        process.stderr.write(
          stale.length === 0
            ? `readme-gen: all ${results.length} READMEs are up to date\n`
            : `readme-gen: ${stale.length} of ${results.length} READMEs are out of date; run \`readme-gen render --all --write\`\n`,
        );
      }
      return stale.length === 0 ? ExitCode.ok : ExitCode.outOfDate;
    }
  }
}
