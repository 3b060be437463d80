import { isObject } from '../signatures/in-toto-statement.js';

/**
 * How a value from a statement becomes a fact: predicates are data written by
 * whoever built the image, so nothing here trusts them as text (render escapes
 * every fact for where it is printed); these rules only keep absurd values
 * from becoming facts.
 */

/** The longest fact kept whole, in characters (code points): longer than any repository URL, builder ID or workflow path. */
export const MAX_FACT_LENGTH = 200;

/**
 * A string value as a fact: absent unless a non-empty string; one longer than
 * MAX_FACT_LENGTH is cut to its first MAX_FACT_LENGTH characters followed by
 * "…", so a README never carries a 10 kB "builder ID" but always shows that
 * something was cut.
 */
export function factText(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const characters = Array.from(value);
  return characters.length <= MAX_FACT_LENGTH ? value : `${characters.slice(0, MAX_FACT_LENGTH).join('')}…`;
}

/** A commit as a fact: hexadecimal, 7 to 64 digits (a SHA-1 or SHA-256 object name, maybe abbreviated), lower-cased; anything else is absent. */
export function factCommit(value: unknown): string | undefined {
  return typeof value === 'string' && /^[0-9a-fA-F]{7,64}$/.test(value) ? value.toLowerCase() : undefined;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 time as a fact: in UTC, to the second (YYYY-MM-DDTHH:MM:SSZ); anything else is absent. */
export function factTime(value: unknown): string | undefined {
  if (typeof value !== 'string' || !RFC3339.test(value)) return undefined;
  // Date reads milliseconds at most: the fraction is dropped before, as it is after.
  const time = new Date(value.replace(/\.\d+/, ''));
  return Number.isNaN(time.getTime()) ? undefined : time.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The value at a path of object keys, undefined where the path leaves the objects. */
export function at(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) {
    if (!isObject(current)) return undefined;
    current = current[key];
  }
  return current;
}
