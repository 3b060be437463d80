import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { LineCounter, parseDocument, isMap, isPair, isScalar, type Node as YamlNode } from 'yaml';
import { InputError } from '../errors.js';
import { packageFile } from '../package-root.js';

/** The JSON Schemas shipped in src/; each validates one kind of external document. */
export type SchemaName = 'image-state' | 'config';

const schemaFiles: Record<SchemaName, string> = {
  'image-state': packageFile('src', 'state', 'image-state.schema.json'),
  config: packageFile('src', 'config', 'config.schema.json'),
};

const compiled = new Map<SchemaName, ValidateFunction>();

function validatorFor(name: SchemaName): ValidateFunction {
  let validate = compiled.get(name);
  if (!validate) {
    const ajv = new Ajv2020({ allErrors: false, strict: true });
    validate = ajv.compile(JSON.parse(readFileSync(schemaFiles[name], 'utf8')) as object);
    compiled.set(name, validate);
  }
  return validate;
}

/**
 * Parses a YAML or JSON document and validates it against one of our schemas.
 * Every failure is an InputError whose one line names the file, the line and
 * column, the key path and what to do.
 */
export function parseValidated<T>(text: string, file: string, schema: SchemaName, format: 'yaml' | 'json'): T {
  const lineCounter = new LineCounter();
  // The yaml parser reads JSON too; it is used for both so that a schema error
  // can be traced back to the line that holds the offending key.
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  let value: unknown;
  if (format === 'json') {
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new InputError(`${file}:${jsonErrorPosition(error, text, lineCounter)}: not valid JSON: ${jsonErrorReason(error)}`);
    }
  } else {
    const [first] = doc.errors;
    if (first) {
      const at = first.linePos?.[0];
      throw new InputError(`${file}:${at ? `${at.line}:${at.col}` : '1:1'}: not valid YAML: ${first.message.split('\n')[0]}`);
    }
    value = doc.toJS({ maxAliasCount: 100 });
  }
  const validate = validatorFor(schema);
  if (!validate(value)) {
    const [error] = validate.errors ?? [];
    throw new InputError(describeSchemaError(error, file, doc, lineCounter));
  }
  return value as T;
}

/**
 * Validates a value that did not come from a file (command-line flags).
 * `label` names each key the way the user typed it, e.g. `--location`.
 */
export function validateValue<T>(value: unknown, schema: SchemaName, label: (key: string) => string): T {
  const validate = validatorFor(schema);
  if (!validate(value)) {
    const [error] = validate.errors ?? [];
    const key = error?.instancePath.split('/')[1] ?? (error?.params as { missingProperty?: string } | undefined)?.missingProperty ?? '';
    throw new InputError(`${label(unescapePointer(key))}: ${error?.message ?? 'is not valid'}`);
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
  let node = locate(doc, path);
  let keyPath = path;
  let problem: string;
  if (error.keyword === 'additionalProperties') {
    const extra = String((error.params as { additionalProperty: string }).additionalProperty);
    keyPath = [...path, extra];
    node = locateKey(doc, path, extra) ?? node;
    problem = `unknown key "${extra}"; remove it or check its spelling (see the schema for the keys allowed here)`;
  } else if (error.keyword === 'required') {
    const missing = String((error.params as { missingProperty: string }).missingProperty);
    keyPath = [...path, missing];
    problem = `required key "${missing}" is missing`;
  } else if (error.keyword === 'enum') {
    const allowed = (error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ');
    problem = `must be one of ${allowed}`;
  } else if (error.keyword === 'const') {
    problem = `must be ${JSON.stringify((error.params as { allowedValue: unknown }).allowedValue)}`;
  } else {
    problem = error.message ?? 'is not valid';
  }
  const where = node?.range ? lineCounter.linePos(node.range[0]) : { line: 1, col: 1 };
  const key = keyPath.length > 0 ? formatKeyPath(keyPath) : '(document)';
  return `${file}:${where.line}:${where.col}: ${key}: ${problem}`;
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

function formatKeyPath(path: string[]): string {
  return path.reduce((out, segment) => (/^\d+$/.test(segment) ? `${out}[${segment}]` : out ? `${out}.${segment}` : segment), '');
}

function locate(doc: ReturnType<typeof parseDocument>, path: string[]): YamlNode | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth).map(segmentKey), true);
    if (node && typeof node === 'object' && 'range' in node) return node as YamlNode;
  }
  return undefined;
}

function locateKey(doc: ReturnType<typeof parseDocument>, path: string[], key: string): YamlNode | undefined {
  const parent = path.length === 0 ? doc.contents : doc.getIn(path.map(segmentKey), true);
  if (!isMap(parent)) return undefined;
  for (const item of parent.items) {
    if (isPair(item) && isScalar(item.key) && String(item.key.value) === key) return item.key;
  }
  return undefined;
}

function segmentKey(segment: string): string | number {
  return /^\d+$/.test(segment) ? Number(segment) : segment;
}

function jsonErrorReason(error: unknown): string {
  return error instanceof Error ? error.message.replace(/ in JSON at position \d+.*$/, '').replace(/^JSON\.parse: /, '') : String(error);
}

function jsonErrorPosition(error: unknown, text: string, lineCounter: LineCounter): string {
  const match = error instanceof Error ? /at position (\d+)/.exec(error.message) : null;
  const offset = match ? Number(match[1]) : text.length;
  const { line, col } = lineCounter.linePos(Math.min(offset, text.length));
  return `${line}:${col}`;
}
