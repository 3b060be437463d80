/**
 * Which tags the README shows. Cosign's signature, attestation and SBOM tags
 * and the referrers fallback tags are never images to pull.
 */
export const ALWAYS_EXCLUDED: readonly string[] = ['sha256-*', '*.sig', '*.att', '*.sbom'];

export function isShownTag(tag: string, excludePatterns: readonly string[]): boolean {
  return hidingPattern(tag, excludePatterns) === undefined;
}

/** The first pattern that leaves `tag` out, the built-in ones first; undefined when it is shown. */
export function hidingPattern(tag: string, excludePatterns: readonly string[]): string | undefined {
  return [...ALWAYS_EXCLUDED, ...excludePatterns].find((pattern) => globMatches(pattern, tag));
}

/**
 * `*` and `?` globs over a whole tag name. Written here because Node 20 has no
 * path.matchesGlob and tags contain no `/`, so a glob library's path semantics
 * would only get in the way.
 */
export function globMatches(pattern: string, tag: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern === tag;
  let expression = globExpressions.get(pattern);
  if (!expression) {
    const source = pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    globExpressions.set(pattern, (expression = new RegExp(`^${source}$`, 's')));
  }
  return expression.test(tag);
}

/** Each pattern compiled once: every tag of every image is matched against the same few. */
const globExpressions = new Map<string, RegExp>();
