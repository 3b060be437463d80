/**
 * What particular registries do beyond the distribution spec, each named after
 * the registry it comes from, in one place (as Renovate keeps them): the rest
 * of the registry code asks these functions and knows no registry by name.
 * Each quirk is recognised by what the answer carries, not by host name, so a
 * mirror or proxy that passes it through works the same.
 */
import type { HttpResponse } from '../http/http-client.js';

/**
 * Docker Hub's pull quota, from the `ratelimit-limit: 100;w=21600` and
 * `ratelimit-remaining: 76;w=21600` headers it sends on manifest GETs and
 * HEADs alike (docs.docker.com, "Docker Hub usage and limits"). A manifest
 * GET counts as a pull; a HEAD and a blob GET do not. A registry that sends
 * no such headers has no quota readme-gen can see.
 */
export interface PullQuota {
  limit: number;
  remaining: number;
  /** the window the limit is counted over, in seconds (`w=`), when given */
  windowSeconds?: number;
  /** seconds until the window resets, when the registry says (`ratelimit-reset`) */
  resetSeconds?: number;
}

export function dockerHubPullQuota(headers: HttpResponse['headers']): PullQuota | undefined {
  const limit = quotaField(headers['ratelimit-limit']);
  const remaining = quotaField(headers['ratelimit-remaining']);
  if (!limit || !remaining) return undefined;
  const quota: PullQuota = { limit: limit.value, remaining: remaining.value };
  const windowSeconds = limit.window ?? remaining.window;
  if (windowSeconds !== undefined) quota.windowSeconds = windowSeconds;
  const reset = headers['ratelimit-reset']?.trim();
  if (reset !== undefined && /^\d+$/.test(reset)) quota.resetSeconds = Number(reset);
  return quota;
}

/** `100;w=21600` → 100 and 21600; anything else undefined. */
function quotaField(value: string | undefined): { value: number; window?: number } | undefined {
  const match = value === undefined ? null : /^\s*(\d+)\s*(?:;\s*w\s*=\s*(\d+)\s*)?$/.exec(value);
  if (!match) return undefined;
  return match[2] === undefined ? { value: Number(match[1]) } : { value: Number(match[1]), window: Number(match[2]) };
}

/** The quota in words, for messages: "3 of 100 pulls left in the 21600 s window, which resets in 120 s". */
export function describeQuota(quota: PullQuota): string {
  const window = quota.windowSeconds === undefined ? '' : ` in its ${quota.windowSeconds} s window`;
  const reset =
    quota.resetSeconds === undefined
      ? quota.windowSeconds === undefined
        ? ''
        : ', which resets at most that long after the first pull counted'
      : `, which resets in ${quota.resetSeconds} s`;
  return `${quota.remaining} of ${quota.limit} pulls left${window}${reset}`;
}

/**
 * Docker Hub's answer once the quota is spent: 429 with the registry error
 * code TOOMANYREQUESTS ("You have reached your unauthenticated pull rate
 * limit") and no Retry-After. Asking again before the window resets only gets
 * the same answer, so it is not retried. A 429 that says when to come back
 * (Retry-After: a burst limit) or carries no such code is still retried.
 */
export function isQuotaExhausted(response: HttpResponse): boolean {
  return (
    response.status === 429 &&
    response.headers['retry-after'] === undefined &&
    /"code"\s*:\s*"TOOMANYREQUESTS"/.test(response.body.toString('utf8'))
  );
}

/**
 * gcr.io's and Artifact Registry's tag list carries, beside `tags`, a
 * `manifest` map: digest → { tag: [names], mediaType, … }. Where it is
 * present it says what each tag points to, so those tags need no HEAD.
 * Entries without a sha256 digest, a media type or a list of tags are left
 * out: their tags are looked up as anywhere else.
 */
export function gcrTagDigests(listing: unknown): Map<string, { digest: string; mediaType: string }> {
  const found = new Map<string, { digest: string; mediaType: string }>();
  const map = (listing as { manifest?: unknown } | null)?.manifest;
  if (map === null || typeof map !== 'object' || Array.isArray(map)) return found;
  for (const [digest, entry] of Object.entries(map as Record<string, unknown>)) {
    const { tag, mediaType } = (entry ?? {}) as { tag?: unknown; mediaType?: unknown };
    if (!/^sha256:[0-9a-f]{64}$/.test(digest) || typeof mediaType !== 'string' || mediaType === '' || !Array.isArray(tag)) continue;
    for (const name of tag) if (typeof name === 'string') found.set(name, { digest, mediaType });
  }
  return found;
}

/**
 * Artifactory's next tag page: its Link leaves out the virtual repository's
 * part of the path (RTFACT-18971), so only its `last` is taken, on this
 * page's own URL — as Renovate does for an answer with `X-JFrog-Version`.
 * Undefined for any other registry, or when there is no next page.
 */
export function artifactoryNextPage(response: HttpResponse, link: string | undefined, current: string): string | undefined {
  if (response.headers['x-jfrog-version'] === undefined) return undefined;
  const last = link === undefined ? null : new URL(link, current).searchParams.get('last');
  if (last === null) return undefined;
  const next = new URL(current);
  next.searchParams.set('last', last);
  return next.toString();
}
