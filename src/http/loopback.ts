import { isIPv4, isIPv6 } from 'node:net';

/**
 * Hosts that never leave this machine, where plain HTTP exposes nothing:
 * 127.0.0.0/8 (also IPv4-mapped, ::ffff:127.0.0.1), ::1, localhost and
 * *.localhost (RFC 6761 reserves both names for loopback). `host` is a host
 * as a location or URL.host writes it, with an optional port, IPv6 bracketed
 * or bare (an error's or a socket's address), in any case.
 */
export function isLoopback(host: string): boolean {
  const lower = host.toLowerCase();
  const name = lower.startsWith('[') ? lower.slice(1, lower.indexOf(']')) : isIPv6(lower) ? lower : lower.replace(/:\d+$/, '');
  const ipv4 = name.startsWith('::ffff:') ? name.slice('::ffff:'.length) : name;
  return name === 'localhost' || name.endsWith('.localhost') || name === '::1' || (isIPv4(ipv4) && ipv4.startsWith('127.'));
}
