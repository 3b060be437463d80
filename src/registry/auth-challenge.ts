/** One challenge of a WWW-Authenticate header: its scheme and parameters. */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses a WWW-Authenticate header (RFC 7235): several challenges may share
 * one header (`Bearer realm=…, Basic realm=…`), and quoted values hold commas
 * (`scope="repository:a:pull,push"`), so it cannot be split on commas.
 */
export function parseChallenges(header: string): Challenge[] {
  const challenges: Challenge[] = [];
  let rest = header.trim();
  let current: Challenge | undefined;
  while (rest.length > 0) {
    const param = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^,\s]*)\s*(?:,\s*)?/.exec(rest);
    if (param && current) {
      const [whole, key = '', raw = '', quoted] = param;
      current.params[key.toLowerCase()] = quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : raw;
      rest = rest.slice(whole.length);
      continue;
    }
    const scheme = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*(?:,\s*)?/.exec(rest);
    if (!scheme) break;
    current = { scheme: (scheme[1] ?? '').toLowerCase(), params: {} };
    challenges.push(current);
    rest = rest.slice(scheme[0].length);
  }
  return challenges;
}
