/**
 * The order rows and tags appear in: `latest` first, then version tags newest
 * first, then every other tag by name. Deterministic, so a README changes only
 * when the registry does.
 */

const VERSION = /^v?(\d+(?:\.\d+)*)(?:-([0-9A-Za-z.-]+))?$/;

export function compareTags(a: string, b: string): number {
  const rank = tagRank(a) - tagRank(b);
  if (rank !== 0) return rank;
  if (tagRank(a) === 1) {
    const byVersion = compareVersionsDescending(a, b);
    if (byVersion !== 0) return byVersion;
  }
  return compareBytes(a, b);
}

/** Byte order, as Go's sort.Strings: what the original tool sorted aliases by. */
export function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A plain version (1, 1.2, v1.2.3): no pre-release or other suffix such as -rc1 or a per-architecture -arm64. */
export function isReleaseTag(tag: string): boolean {
  const match = VERSION.exec(tag);
  return match !== null && match[2] === undefined;
}

function tagRank(tag: string): 0 | 1 | 2 {
  if (tag === 'latest') return 0;
  return VERSION.test(tag) ? 1 : 2;
}

function compareVersionsDescending(a: string, b: string): number {
  const [, aCore = '', aPre] = VERSION.exec(a) ?? [];
  const [, bCore = '', bPre] = VERSION.exec(b) ?? [];
  const aParts = aCore.split('.').map(Number);
  const bParts = bCore.split('.').map(Number);
  for (let i = 0; i < Math.max(aParts.length, bParts.length); i++) {
    // The more specific version comes first: 1.2.3, then 1.2, then 1.
    const difference = (bParts[i] ?? -1) - (aParts[i] ?? -1);
    if (difference !== 0) return difference;
  }
  // A release is newer than its pre-releases.
  if (aPre === undefined || bPre === undefined) return (aPre === undefined ? 0 : 1) - (bPre === undefined ? 0 : 1);
  return compareBytes(bPre, aPre);
}
