/**
 * Tests only ever talk to 127.0.0.1. Imported into a process (runCli and
 * runCliAsync load it into every readme-gen they start, through NODE_OPTIONS), this
 * makes any TCP connection to a host that is not loopback end the process at
 * once with exit code 97 and a line on stderr naming the host — so a test that
 * would reach for the internet (a registry, Sigstore's TUF repository) fails
 * loudly instead of timing out, or passing on a fallback.
 */
import net from 'node:net';
import { isLoopback } from '../../src/http/loopback.js';

export const GUARD_EXIT_CODE = 97;

/**
 * A hosts file for the process: `READMEGEN_TEST_HOSTS=name=127.0.0.1,…`
 * connects each name to its loopback address, as squid's hosts_file does
 * for a proxy, so a test can reach a registry directly by a name that is not
 * loopback (NO_PROXY, https with a name in the certificate). Only loopback
 * addresses are accepted: the guard still stops everything else.
 */
export const TEST_HOSTS_ENV = 'READMEGEN_TEST_HOSTS';

const testHosts = new Map(
  (process.env[TEST_HOSTS_ENV] ?? '')
    .split(',')
    .filter(Boolean)
    .map((entry) => {
      const [name = '', address = ''] = entry.split('=');
      if (!isLoopback(address)) throw new Error(`${TEST_HOSTS_ENV}: ${name} maps to ${address}, which is not a loopback address`);
      return [name.toLowerCase(), address];
    }),
);

// Called back with the socket as `this` (original.apply below): the patch keeps the method's own binding.
// eslint-disable-next-line @typescript-eslint/unbound-method
const original = net.Socket.prototype.connect;

/**
 * Names no resolver can answer, which tests use to reach "a host that does not
 * resolve": the reserved .invalid domain (RFC 6761), or a label longer than
 * DNS allows (63 octets), which the resolver refuses without sending a query.
 */
function neverResolves(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return name.endsWith('.invalid') || name.split('.').some((label) => label.length > 63);
}

/** The host a connect() call names: net's (options), (port, host) and (path) forms. */
function hostOf(args: unknown[]): string | undefined {
  let first = args[0];
  // net.Socket.prototype.connect is also called with [options, callback] as one normalized array.
  if (Array.isArray(first)) first = first[0];
  if (first !== null && typeof first === 'object') {
    const options = first as { host?: unknown; path?: unknown };
    if (typeof options.path === 'string') return undefined;
    return typeof options.host === 'string' ? options.host : 'localhost';
  }
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first)))
    return typeof args[1] === 'string' ? args[1] : 'localhost';
  return undefined; // a Unix socket path
}

/** The connect() arguments with the host replaced by `address`; a TLS socket keeps the name it verifies (servername) as it was. */
function withAddress(args: unknown[], address: string): unknown[] {
  const [first, ...rest] = args;
  if (Array.isArray(first)) {
    // net's own normalized array carries a symbol that marks it so: changed in place, not copied.
    first[0] = { ...(first[0] as object), host: address };
    return args;
  }
  if (first !== null && typeof first === 'object') return [{ ...first, host: address }, ...rest];
  return [first, address, ...rest.slice(1)];
}

net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
  const named = hostOf(args);
  const address = named === undefined ? undefined : testHosts.get(named.toLowerCase());
  if (address !== undefined) args = withAddress(args, address);
  const host = address ?? named;
  if (host !== undefined && !isLoopback(host) && !neverResolves(host)) {
    process.stderr.write(`loopback guard: this test process tried to connect to ${host}; tests only talk to 127.0.0.1\n`);
    process.exit(GUARD_EXIT_CODE);
  }
  return (original as (...a: unknown[]) => net.Socket).apply(this, args);
};
