import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Input, confirmed, confirmedText } from '../fs/input-log.js';
import { KeptResults, resultKey } from '../fs/kept-results.js';
import { readmeGenBuild } from '../package-root.js';
import type { RenderResult } from './render.js';

/** One config's README as a render found it up to date: the file, as messages name it, and every input the render read. */
interface KeptRender {
  output: string;
  inputs: Input[];
}

/**
 * An entry on disk: each input once, and each render by the indices of its
 * inputs, so that 1,000 images sharing their templates and trusted root list
 * those once. Renders by config path ('' for readme-gen.yaml in the working
 * directory).
 */
interface KeptRun {
  inputs: ([file: string, kind: Input['kind'], digest: string] | [file: string, kind: Input['kind'], digest: string, stat: string])[];
  renders: Record<string, { output: string; inputs: number[] }>;
}

/**
 * The renders of an offline run that found their README up to date (or
 * wrote it), kept in the cache directory (renders/<key>.json) so that the
 * next run over an unchanged repository — the pre-commit hook's, on every
 * commit — reads each config's inputs and compares their bytes instead of
 * loading, verifying and rendering everything again. A render is a function
 * of what it reads from disk (recorded by recordInputs) and of the run's
 * question (the key: this build of readme-gen, the working directory, the
 * configs, the flags); a kept render is used only while every one of its
 * inputs is byte for byte as it was (see confirmed: the same content, or a
 * stat that vouches for it), and is otherwise rendered again.
 */
export class KeptRenders {
  readonly #store: KeptResults<KeptRun>;
  readonly #key: string;
  readonly #renders: Map<string, KeptRender>;
  /** Each input as it is now (undefined: changed), asked once per process: the images of an --all run share most of theirs (one object each, see unpack). */
  readonly #now = new Map<Input, Input | undefined>();
  #changed = false;

  /** `question`: everything besides the files read that the renders' results depend on. Nothing is kept without a cache directory or a build to key it by. */
  constructor(
    cacheDir: string | undefined,
    readonly cwd: string,
    question: unknown[],
  ) {
    const build = readmeGenBuild();
    this.#store = new KeptResults(build === undefined ? undefined : cacheDir, 'renders', readKeptRun);
    this.#key = resultKey(['render', build, cwd, ...question]);
    this.#renders = unpack(this.#store.get(this.#key));
  }

  /**
   * The config's README as up to date, when it was and nothing the render
   * read has changed since. Its text is read when `text` asks for it (to
   * print it), else when the result's content is first asked for: the hook's
   * check of 1,000 READMEs needs to know they are unchanged, not what they say.
   */
  upToDate(configPath: string | undefined, text: boolean): RenderResult | undefined {
    const kept = this.#renders.get(configPath ?? '');
    // The README is first (see record).
    const [readme, ...others] = kept?.inputs ?? [];
    if (!kept || !readme) return undefined;
    const othersNow = others.map((input) => this.#confirmed(input));
    if (othersNow.some((input) => input === undefined)) return undefined;
    const readmeNow = text ? confirmedText(readme) : confirmed(readme);
    if (!readmeNow) return undefined;
    const inputs = ['text' in readmeNow ? readmeNow.input : readmeNow, ...othersNow] as Input[];
    // A stat confirmed anew (see confirmed) is kept, so that the next run need not read the file.
    if (inputs.some((input, index) => input !== kept.inputs[index])) {
      this.#renders.set(configPath ?? '', { output: kept.output, inputs });
      this.#changed = true;
    }
    let content = 'text' in readmeNow ? readmeNow.text : undefined;
    const read = () => (content ??= readFileSync(readme.file, 'utf8'));
    return {
      output: kept.output,
      get content() {
        return read();
      },
      get previous() {
        return read();
      },
      upToDate: true,
      diff: '',
      written: false,
    };
  }

  /** Keeps the render of a config that left its README up to date, its README first among its inputs; forgets one that did not. */
  record(configPath: string | undefined, result: RenderResult, inputs: Input[]): void {
    const readmeFile = path.resolve(this.cwd, result.output);
    const readme = inputs.find((input) => input.file === readmeFile && input.kind === 'text');
    if ((result.upToDate || result.written) && readme) {
      this.#renders.set(configPath ?? '', { output: result.output, inputs: [readme, ...inputs.filter((input) => input !== readme)] });
    } else if (!this.#renders.delete(configPath ?? '')) return;
    this.#changed = true;
  }

  /** Writes what changed; a cache that cannot be written is only slower. */
  save(): void {
    if (this.#changed) this.#store.put(this.#key, pack(this.#renders));
    this.#changed = false;
  }

  #confirmed(input: Input): Input | undefined {
    if (!this.#now.has(input)) this.#now.set(input, confirmed(input));
    return this.#now.get(input);
  }
}

function pack(renders: Map<string, KeptRender>): KeptRun {
  const run: KeptRun = { inputs: [], renders: {} };
  const indices = new Map<string, number>();
  for (const [config, render] of renders) {
    run.renders[config] = {
      output: render.output,
      inputs: render.inputs.map(({ file, kind, digest, stat }) => {
        const id = `${kind}\0${digest}\0${stat ?? ''}\0${file}`;
        let index = indices.get(id);
        if (index === undefined)
          indices.set(id, (index = run.inputs.push(stat === undefined ? [file, kind, digest] : [file, kind, digest, stat]) - 1));
        return index;
      }),
    };
  }
  return run;
}

function unpack(run: KeptRun | undefined): Map<string, KeptRender> {
  const inputs = (run?.inputs ?? []).map(([file, kind, digest, stat]): Input =>
    stat === undefined ? { file, kind, digest } : { file, kind, digest, stat },
  );
  return new Map(
    Object.entries(run?.renders ?? {}).map(([config, render]) => [
      config,
      { output: render.output, inputs: render.inputs.map((index) => inputs[index] as Input) },
    ]),
  );
}

/** A kept entry's value, when it has the shape of one; anything else is a miss. */
function readKeptRun(value: unknown): KeptRun | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const { inputs, renders } = value as Partial<KeptRun>;
  if (!Array.isArray(inputs) || renders === null || typeof renders !== 'object' || Array.isArray(renders)) return undefined;
  const isInput = (input: unknown) =>
    Array.isArray(input) &&
    (input.length === 3 || (input.length === 4 && typeof input[3] === 'string')) &&
    typeof input[0] === 'string' &&
    ['text', 'bytes', 'listing', 'absent', 'present'].includes(input[1] as string) &&
    typeof input[2] === 'string';
  if (!inputs.every(isInput)) return undefined;
  const isRender = (render: unknown) => {
    const { output, inputs: indices } = (render ?? {}) as Partial<KeptRun['renders'][string]>;
    return (
      typeof output === 'string' &&
      Array.isArray(indices) &&
      indices.every((index) => Number.isInteger(index) && index >= 0 && index < inputs.length)
    );
  };
  return Object.values(renders).every(isRender) ? { inputs, renders } : undefined;
}
