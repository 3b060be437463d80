/**
 * JSON values whose object keys keep a chosen order, and the two printers the
 * Signing section needs: Go's json.Marshal (payload bytes) and jq's pretty
 * printer (the README's `cosign verify … | jq` output). Hand-written because
 * JSON.stringify cannot do either: it moves integer-like keys to the front,
 * leaves 0x7f unescaped where jq escapes it, and never escapes <, > and & as Go does.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
/** An object whose entries print in insertion order. */
export type JsonObject = Map<string, JsonValue>;

/** Go orders map keys by their UTF-8 bytes. */
export function compareGoKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * Converts JSON.parse output into ordered values, with object keys sorted the
 * way Go prints a map[string]interface{} — what cosign decodes `optional` into.
 */
export function fromParsedSorted(value: unknown): JsonValue {
  if (value === null || typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(fromParsedSorted);
  if (typeof value === 'object') {
    const keys = Object.keys(value).sort(compareGoKeys);
    return new Map(keys.map((key) => [key, fromParsedSorted((value as Record<string, unknown>)[key])]));
  }
  throw new TypeError(`not a JSON value: ${typeof value}`);
}

/** Sorts an object's entries as Go prints a map. */
export function sortedGoMap(object: JsonObject): JsonObject {
  return new Map([...object.entries()].sort(([a], [b]) => compareGoKeys(a, b)));
}

/** Compact JSON exactly as Go's json.Marshal writes it (HTML-safe escaping). */
export function formatGoCompact(value: JsonValue): string {
  if (value instanceof Map) {
    return `{${[...value].map(([key, entry]) => `${goString(key)}:${formatGoCompact(entry)}`).join(',')}}`;
  }
  if (Array.isArray(value)) return `[${value.map(formatGoCompact).join(',')}]`;
  if (typeof value === 'string') return goString(value);
  return formatNumberOrLiteral(value);
}

/** Pretty JSON exactly as jq 1.6 prints it by default (2-space indent), but for C1 controls, which it escapes. */
export function formatJq(value: JsonValue, indent = ''): string {
  const inner = `${indent}  `;
  if (value instanceof Map) {
    if (value.size === 0) return '{}';
    const entries = [...value].map(([key, entry]) => `${inner}${jqString(key)}: ${formatJq(entry, inner)}`);
    return `{\n${entries.join(',\n')}\n${indent}}`;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((entry) => `${inner}${formatJq(entry, inner)}`).join(',\n')}\n${indent}]`;
  }
  if (typeof value === 'string') return jqString(value);
  return formatNumberOrLiteral(value);
}

function formatNumberOrLiteral(value: number | boolean | null): string {
  if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('JSON has no representation for a non-finite number');
  return JSON.stringify(value);
}

function goString(text: string): string {
  return `"${text.toWellFormed().replace(/["\\\u0000-\u001f<>&\u2028\u2029]/g, goEscape)}"`;
}

function goEscape(char: string): string {
  switch (char) {
    case '"':
      return '\\"';
    case '\\':
      return '\\\\';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    default:
      return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
  }
}

function jqString(text: string): string {
  // jq escapes DEL as well as the C0 controls JSON.stringify already escapes. It prints the C1
  // controls raw, but U+009B is a terminal's CSI as ESC [ is: a README printed to a terminal must
  // not carry one, so they are escaped too (the same string to any JSON reader).
  return JSON.stringify(text.toWellFormed()).replace(
    /[\u007f-\u009f]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
