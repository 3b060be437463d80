/**
 * A composite action's steps run the way GitHub's runner runs them, as far as
 * that can be done without the runner: each `run:` step's script in bash
 * (`bash --noprofile --norc -eo pipefail`, as the runner starts `shell: bash`),
 * in its working-directory, with its env, GITHUB_OUTPUT, GITHUB_ACTION_PATH and
 * RUNNER_TEMP; the `${{ inputs.* }}`, `${{ github.* }}` and `${{ steps.* }}`
 * it uses filled in from action.yml's inputs (defaults, then `with:`) and the
 * earlier steps' outputs. `uses:` steps are not run (nothing here can fetch
 * another action): they are listed, for the test to say so.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { type CliRun, runProgram } from '../helpers/run-cli.js';

interface ActionFile {
  inputs?: Record<string, { default?: string; required?: boolean }>;
  outputs?: Record<string, { value: string }>;
  runs: { using: string; steps: Step[] };
}

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
  'working-directory'?: string;
}

export interface ActionRun {
  /** every `run:` step, in order, until one failed */
  steps: (CliRun & { name: string; ms: number })[];
  /** the `uses:` steps, not run */
  skipped: string[];
  /** the action's outputs, as the workflow would see them */
  outputs: Record<string, string>;
}

export interface RunActionOptions {
  /** the action's checkout: action.yml at its root */
  actionPath: string;
  /** the user's repository, where the steps run by default */
  workspace: string;
  /** a directory of the test's, as the runner's RUNNER_TEMP */
  runnerTemp: string;
  /** the step's `with:` */
  with?: Record<string, string>;
  /** what the runner knows of the workflow run: token, api_url, repository, … */
  github: Record<string, string>;
  /** environment of the runner's own, for every step */
  env?: NodeJS.ProcessEnv;
}

export async function runCompositeAction(options: RunActionOptions): Promise<ActionRun> {
  const action = parse(readFileSync(path.join(options.actionPath, 'action.yml'), 'utf8')) as ActionFile;
  if (action.runs.using !== 'composite') throw new Error(`action.yml: runs.using is ${action.runs.using}, not composite`);
  const github = { ...options.github, action_path: options.actionPath, workspace: options.workspace };
  const steps: Record<string, { outputs: Record<string, string> }> = {};
  const inputs: Record<string, string> = {};
  for (const [name, input] of Object.entries(action.inputs ?? {})) {
    const value = options.with?.[name] ?? (input.default === undefined ? undefined : evaluate(input.default, { github }));
    if (value === undefined && input.required) throw new Error(`action.yml: input ${name} is required`);
    inputs[name] = value ?? '';
  }
  const unknown = Object.keys(options.with ?? {}).filter((name) => !(name in inputs));
  if (unknown.length > 0) throw new Error(`action.yml has no input ${unknown.join(', ')}`);

  const run: ActionRun = { steps: [], skipped: [], outputs: {} };
  for (const [index, step] of action.runs.steps.entries()) {
    const name = step.name ?? step.id ?? step.uses ?? `step ${index + 1}`;
    if (step.uses !== undefined) {
      run.skipped.push(step.uses);
      continue;
    }
    if (step.run === undefined || step.shell !== 'bash')
      throw new Error(`action.yml: step ${name} is neither uses: nor run: with shell: bash`);
    const context = { inputs, github, steps };
    const script = path.join(options.runnerTemp, `step-${index}.sh`);
    const outputFile = path.join(options.runnerTemp, `step-${index}.output`);
    writeFileSync(script, evaluate(step.run, context));
    writeFileSync(outputFile, '');
    const env = Object.fromEntries(Object.entries(step.env ?? {}).map(([key, value]) => [key, evaluate(value, context)]));
    const started = performance.now();
    const result = await runProgram('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
      cwd: step['working-directory'] === undefined ? options.workspace : evaluate(step['working-directory'], context),
      env: {
        ...options.env,
        GITHUB_ACTION_PATH: options.actionPath,
        GITHUB_WORKSPACE: options.workspace,
        GITHUB_OUTPUT: outputFile,
        RUNNER_TEMP: options.runnerTemp,
        ...env,
      },
    });
    run.steps.push({ ...result, name, ms: Math.round(performance.now() - started) });
    if (result.status !== 0) return run;
    if (step.id !== undefined) steps[step.id] = { outputs: readOutputs(outputFile) };
  }
  for (const [name, output] of Object.entries(action.outputs ?? {})) run.outputs[name] = evaluate(output.value, { inputs, github, steps });
  return run;
}

/** `${{ a.b.c }}` property lookups, the only expressions these steps use; a missing step output is '' as on GitHub. */
function evaluate(text: string, context: Record<string, unknown>): string {
  return text.replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (expression, reference: string) => {
    let value: unknown = context;
    for (const key of reference.split('.')) value = (value as Record<string, unknown> | undefined)?.[key];
    if (typeof value === 'string') return value;
    if (value === undefined && reference.startsWith('steps.')) return '';
    throw new Error(`action.yml: ${expression} cannot be evaluated here`);
  });
}

/** GITHUB_OUTPUT's `name=value` lines (the multi-line `name<<DELIMITER` form is not used by this action). */
function readOutputs(file: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue;
    const equals = line.indexOf('=');
    if (equals <= 0) throw new Error(`GITHUB_OUTPUT: cannot read ${JSON.stringify(line)}`);
    outputs[line.slice(0, equals)] = line.slice(equals + 1);
  }
  return outputs;
}
