import type { LogEntry } from '../signatures/verify-state.js';

export interface RekorEntryView {
  /** The entry's index in its log. */
  logIndex: number;
  /** Rekor's search page for the entry; absent for logs it cannot search (Rekor v2). */
  url?: string;
  /** The host of the entry's log in the trusted root, e.g. log2025-1.rekor.sigstore.dev. */
  log?: string;
  /** How the README names the entry: `Rekor entry 4242` (linked), `log2025-1.rekor.sigstore.dev #669` (Rekor v2, not linked). */
  name: string;
}

export function rekorSearchUrl(logIndex: number): string {
  return `https://search.sigstore.dev/?logIndex=${logIndex}`;
}

/** A verified transparency-log entry (a signature's or an attestation's) as the README names and links it. */
export function rekorEntryView(logEntry: LogEntry): RekorEntryView {
  const { logIndex, logHost } = logEntry;
  if (logEntry.searchable)
    return { logIndex, url: rekorSearchUrl(logIndex), name: `Rekor entry ${logIndex}`, ...(logHost ? { log: logHost } : {}) };
  return logHost ? { logIndex, log: logHost, name: `${logHost} #${logIndex}` } : { logIndex, name: `log entry ${logIndex}` };
}
