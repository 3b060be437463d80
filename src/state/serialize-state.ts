import type { ImageState } from './image-state.js';

/**
 * The state's bytes: tags by name, every object's keys sorted, arrays other
 * than tags in registry order, two-space indent, final newline. Nothing of the
 * run (time, host, tool version) goes in, so the same registry content always
 * gives the same bytes.
 */
export function serializeState(state: ImageState): string {
  const tags = [...state.tags].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return `${canonicalJson({ ...state, tags }, 2)}\n`;
}

/**
 * `value` as JSON with every object's keys sorted and its undefined members
 * left out; arrays keep their order. Equal content gives equal text, however
 * its objects were built.
 */
export function canonicalJson(value: unknown, indent?: number): string {
  return JSON.stringify(sortKeys(value), null, indent);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(object)
        .filter((key) => object[key] !== undefined)
        .sort()
        .map((key) => [key, sortKeys(object[key])]),
    );
  }
  return value;
}
