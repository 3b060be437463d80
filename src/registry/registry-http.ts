import { RegistryError } from '../errors.js';
import { HttpClient, type HttpOptions, retryableStatus } from '../http/http-client.js';
import { userCaFile } from './registry-certificates.js';
import { isQuotaExhausted } from './registry-quirks.js';

/** What a registry request is for, so runs can be counted by kind (`--json`, request-economy tests). */
const REQUEST_KINDS = ['ping', 'token', 'tags', 'head', 'manifest', 'blob', 'referrers'] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

export type RegistryHttpClient = HttpClient<RequestKind>;

/** The HTTP client registries are read through: its failures are RegistryErrors (exit 3), with what to fix in the location. */
export function registryHttpClient(options: Partial<HttpOptions> = {}): RegistryHttpClient {
  return new HttpClient(
    {
      kinds: REQUEST_KINDS,
      name: 'the registry',
      error: (message, options) => new RegistryError(message, options),
      unresolvableFix: "check the registry's host name, or that this machine can resolve it (DNS, VPN)",
      refusedFix: 'start the registry, or fix the host and port in the location',
      certificateFix: (host) =>
        `if a private CA signed it, put the CA's certificate in ${userCaFile(host)} (or /etc/docker/certs.d/${host}/), or give it to Node (NODE_EXTRA_CA_CERTS=<file>)`,
      // A spent pull quota is spent until its window resets: asking again only costs time.
      retryable: (response) => retryableStatus(response) && !isQuotaExhausted(response),
    },
    options,
  );
}
