import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Ajv2020, ErrorObject, Options, ValidateFunction } from 'ajv/dist/2020.js';
import { LineCounter, parseDocument, isMap, isPair, isScalar, visit, type Node as YamlNode, type YAMLError } from 'yaml';
import { InputError } from '../errors.js';
import { builtModule, packageFile } from '../package-root.js';
import { nearestName } from './nearest-name.js';

/** The JSON Schemas shipped in src/; each validates one kind of external document. */
export type SchemaName = 'image-state' | 'config';

export const schemaFiles: Record<SchemaName, string> = {
  'image-state': packageFile('src', 'state', 'image-state.schema.json'),
  config: packageFile('src', 'config', 'config.schema.json'),
};

/**
 * verbose: errors carry the offending value and its schema, so messages can quote both.
 * validateSchema: false — checking our own schemas against the 2020-12 meta-schema compiled that
 * meta-schema on every start (30 ms of each run); test/validation/schemas.test.ts checks them instead.
 */
export const AJV_OPTIONS: Options = { allErrors: false, strict: true, verbose: true, validateSchema: false };

/**
 * The validators `npm run build` compiled ahead of time (scripts/compile-schemas.ts,
 * ajv's standalone code, as CommonJS so that it loads synchronously): loading
 * ajv and compiling both schemas took about 120 ms of every run, the largest
 * part of the pre-commit hook's check of one README.
 */
export const PRECOMPILED_FILE = 'compiled-schemas.cjs';

interface Precompiled {
  /** sha256 of each schema file's text as it was compiled */
  schemaHashes: Record<SchemaName, string>;
  validators: Record<SchemaName, ValidateFunction>;
}

const require = createRequire(import.meta.url);
const compiled = new Map<SchemaName, ValidateFunction>();

function validatorFor(name: SchemaName): ValidateFunction {
  let validate = compiled.get(name);
  if (!validate) {
    validate = validatorFrom(name, readFileSync(schemaFiles[name], 'utf8'));
    compiled.set(name, validate);
  }
  return validate;
}

/** The build's validator for schema `name` when `text` is the text it was built from; else `text` compiled now. */
export function validatorFrom(name: SchemaName, text: string): ValidateFunction {
  const precompiled = loadPrecompiled();
  // A schema edited after the build (or a build without the step) is compiled here, never validated by stale code.
  return precompiled?.schemaHashes[name] === schemaHash(text) ? precompiled.validators[name] : newAjv().compile(JSON.parse(text) as object);
}

/** Whether the build's validators hold `name`, compiled from `text`. */
export function isPrecompiled(name: SchemaName, text: string): boolean {
  return loadPrecompiled()?.schemaHashes[name] === schemaHash(text);
}

export function schemaHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** ajv itself, loaded only when a schema must be compiled: never, after a build. */
export function newAjv(options: Options = {}): Ajv2020 {
  const { Ajv2020: Ajv } = require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
  return new Ajv({ ...AJV_OPTIONS, ...options });
}

let precompiledLoaded: Precompiled | undefined | null = null;

function loadPrecompiled(): Precompiled | undefined {
  if (precompiledLoaded === null) precompiledLoaded = builtModule<Precompiled>('validation', PRECOMPILED_FILE);
  return precompiledLoaded;
}

/**
 * Parses a YAML or JSON document and validates it against one of our schemas.
 * Every failure is an InputError whose one line names the file, the line and
 * column, the key path and what to do.
 */
export function parseValidated<T>(
  text: string,
  file: string,
  schema: SchemaName,
  format: 'yaml' | 'json',
  crossCheck?: (value: T) => KeyProblem | undefined,
): T {
  // The yaml parser reads JSON too; it is used for both so that a schema error
  // can be traced back to the line that holds the offending key. A valid JSON
  // document (a state file) needs no positions, so it is parsed only for an error.
  const locate = () => located(text);
  let value: unknown;
  if (format === 'json') {
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new InputError(`${file}:${jsonErrorPosition(error, text, locate().lineCounter)}: not valid JSON: ${jsonErrorReason(error)}`);
    }
  } else {
    const { doc, lineCounter } = locate();
    const [first] = doc.errors;
    if (first) throw new InputError(describeYamlError(first, file, doc, lineCounter));
    value = doc.toJS({ maxAliasCount: 100 });
  }
  const validate = validatorFor(schema);
  if (!validate(value)) {
    const [error] = validate.errors ?? [];
    const { doc, lineCounter } = locate();
    throw new InputError(describeSchemaError(error, file, doc, lineCounter));
  }
  const broken = crossCheck?.(value as T);
  if (broken) {
    const { doc, lineCounter } = locate();
    throw new InputError(`${file}:${positionIn(doc, lineCounter, broken.path)}: ${formatKeyPath(broken.path)}: ${broken.problem}`);
  }
  return value as T;
}

/**
 * A problem at one key of a document that its schema cannot express (the
 * document's owner checks it after the schema), located like schema errors.
 */
export interface KeyProblem {
  path: string[];
  problem: string;
}

/**
 * Where a key's value is in a YAML or JSON document, as `line:col`, for errors
 * found after validation (a missing file a key names, keys that conflict). The
 * nearest enclosing node when the key is absent.
 */
export function positionOf(text: string, path: readonly string[]): string {
  const { doc, lineCounter } = located(text);
  return positionIn(doc, lineCounter, path);
}

interface LocatedDocument {
  text: string;
  doc: ReturnType<typeof parseDocument>;
  lineCounter: LineCounter;
}

/** The last document parsed: a config is validated, then asked for the positions of the settings it names, all from one parse. */
let lastLocated: LocatedDocument | undefined;

/** A document's syntax tree with line positions. */
function located(text: string): LocatedDocument {
  if (lastLocated?.text !== text) {
    const lineCounter = new LineCounter();
    lastLocated = { text, doc: parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false }), lineCounter };
  }
  return lastLocated;
}

function positionIn(doc: ReturnType<typeof parseDocument>, lineCounter: LineCounter, path: readonly string[]): string {
  const node = locate(doc, path);
  const { line, col } = node?.range ? lineCounter.linePos(node.range[0]) : { line: 1, col: 1 };
  return `${line}:${col}`;
}

/**
 * Validates a value that did not come from a file (command-line flags).
 * `label` names each key the way the user typed it, e.g. `--location`.
 */
export function validateValue<T>(value: unknown, schema: SchemaName, label: (key: string) => string): T {
  const validate = validatorFor(schema);
  if (!validate(value)) {
    const [error] = validate.errors ?? [];
    if (!error) throw new InputError(`${label('')}: does not match its schema`);
    const { problem, key: extra } = schemaProblem(error);
    const key = error.instancePath.split('/')[1] ?? extra ?? '';
    throw new InputError(`${label(unescapePointer(key))}: ${problem}`);
  }
  return value as T;
}

function describeSchemaError(
  error: ErrorObject | undefined,
  file: string,
  doc: ReturnType<typeof parseDocument>,
  lineCounter: LineCounter,
): string {
  if (!error) return `${file}: does not match its schema`;
  const path = error.instancePath.split('/').slice(1).map(unescapePointer);
  const { problem, key: extra } = schemaProblem(error);
  const keyPath = extra === undefined ? path : [...path, extra];
  // An unknown key is shown where it is written; a missing one where its mapping starts.
  const node =
    (error.keyword === 'additionalProperties' && extra !== undefined ? locateKey(doc, path, extra) : undefined) ?? locate(doc, path);
  const where = node?.range ? lineCounter.linePos(node.range[0]) : { line: 1, col: 1 };
  const key = keyPath.length > 0 ? formatKeyPath(keyPath) : '(document)';
  return `${file}:${where.line}:${where.col}: ${key}: ${problem}`;
}

/** What is wrong, in words a config author can act on; `key` when the error is about a key below instancePath. */
function schemaProblem(error: ErrorObject): { problem: string; key?: string } {
  if (error.keyword === 'additionalProperties') {
    const extra = String((error.params as { additionalProperty: string }).additionalProperty);
    const known = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
    const nearest = nearestName(extra, known);
    if (nearest !== undefined) return { key: extra, problem: `unknown key "${extra}"; did you mean "${nearest}"?` };
    return { key: extra, problem: `unknown key "${extra}"; remove it or check its spelling (see the schema for the keys allowed here)` };
  }
  if (error.keyword === 'required') {
    const missing = String((error.params as { missingProperty: string }).missingProperty);
    return { key: missing, problem: `required key "${missing}" is missing; add it` };
  }
  let problem: string;
  if (error.keyword === 'enum') {
    const allowed = (error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ');
    problem = `${JSON.stringify(error.data)} is not allowed; use one of ${allowed}`;
  } else if (error.keyword === 'const') {
    problem = `must be ${JSON.stringify((error.params as { allowedValue: unknown }).allowedValue)}, not ${JSON.stringify(error.data)}`;
  } else if (error.keyword === 'type') {
    problem = `must be ${typeNames[String((error.params as { type: string }).type)] ?? (error.params as { type: string }).type}, not ${describeValue(error.data)}`;
  } else if (error.keyword === 'minLength' && (error.params as { limit: number }).limit === 1) {
    problem = 'must not be empty';
  } else if (error.keyword === 'pattern') {
    // The pattern alone does not tell a reader what to write; the schema's description does, with an example.
    const description = (error.parentSchema as { description?: string } | undefined)?.description;
    problem = `${JSON.stringify(error.data)} does not match ${(error.params as { pattern: string }).pattern}${description ? ` (${description})` : ''}`;
  } else {
    problem = error.message ?? 'is not valid';
  }
  return { problem };
}

const typeNames: Record<string, string> = {
  array: 'a list',
  object: 'a mapping of keys to values',
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
};

function describeValue(value: unknown): string {
  if (value === null) return 'null (an empty value)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `the ${typeof value} ${JSON.stringify(value)}`;
}

/** A YAML syntax error as one line, at the position the parser reports; a duplicate key is named. */
function describeYamlError(error: YAMLError, file: string, doc: ReturnType<typeof parseDocument>, lineCounter: LineCounter): string {
  const { line, col } = lineCounter.linePos(error.pos[0]);
  if (error.code === 'DUPLICATE_KEY') {
    const key = keyPathAt(doc, error.pos[0]);
    if (key) return `${file}:${line}:${col}: ${key}: duplicate key; it is already set above, keep one`;
  }
  return `${file}:${line}:${col}: not valid YAML: ${error.message.split('\n')[0]}`;
}

/** The dotted path of the mapping key that starts at `offset`. */
function keyPathAt(doc: ReturnType<typeof parseDocument>, offset: number): string | undefined {
  let found: string | undefined;
  visit(doc, {
    Pair(_, pair, ancestors) {
      if (!isScalar(pair.key) || pair.key.range?.[0] !== offset) return undefined;
      const parents = ancestors.flatMap((node) => (isPair(node) && isScalar(node.key) ? [String(node.key.value)] : []));
      found = formatKeyPath([...parents, String(pair.key.value)]);
      return visit.BREAK;
    },
  });
  return found;
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

function formatKeyPath(path: readonly string[]): string {
  return path.reduce((out, segment) => (/^\d+$/.test(segment) ? `${out}[${segment}]` : out ? `${out}.${segment}` : segment), '');
}

function locate(doc: ReturnType<typeof parseDocument>, path: readonly string[]): YamlNode | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const node: unknown = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth).map(segmentKey), true);
    if (node && typeof node === 'object' && 'range' in node) return node as YamlNode;
  }
  return undefined;
}

function locateKey(doc: ReturnType<typeof parseDocument>, path: string[], key: string): YamlNode | undefined {
  const parent: unknown = path.length === 0 ? doc.contents : doc.getIn(path.map(segmentKey), true);
  if (!isMap(parent)) return undefined;
  for (const item of parent.items) {
    if (isPair(item) && isScalar(item.key) && String(item.key.value) === key) return item.key;
  }
  return undefined;
}

function segmentKey(segment: string): string | number {
  return /^\d+$/.test(segment) ? Number(segment) : segment;
}

/** V8's reason, without its position and without the quoted input it appends (which may span lines). */
function jsonErrorReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message
    .replace(/ in JSON at position \d+.*$/s, '')
    .replace(/, ".*" is not valid JSON$/s, '')
    .replace(/^JSON\.parse: /, '');
}

function jsonErrorPosition(error: unknown, text: string, lineCounter: LineCounter): string {
  const match = error instanceof Error ? /at position (\d+)/.exec(error.message) : null;
  const offset = match ? Number(match[1]) : unexpectedTokenOffset(text);
  const { line, col } = lineCounter.linePos(Math.min(offset, text.length));
  return `${line}:${col}`;
}

/**
 * Node 20's V8 gives no position for "Unexpected token" errors. JSON is parsed
 * left to right, so the offending character is the last one of the shortest
 * prefix that fails with that error rather than with "Unexpected end"; found by
 * bisection. The end of the text when no prefix does.
 */
function unexpectedTokenOffset(text: string): number {
  const failsBeforeEnd = (length: number): boolean => {
    try {
      JSON.parse(text.slice(0, length));
      return false;
    } catch (error) {
      return error instanceof Error && error.message.startsWith('Unexpected token');
    }
  };
  if (!failsBeforeEnd(text.length)) return text.length;
  let good = 0;
  let bad = text.length;
  while (bad - good > 1) {
    const middle = Math.floor((good + bad) / 2);
    if (failsBeforeEnd(middle)) bad = middle;
    else good = middle;
  }
  return bad - 1;
}
