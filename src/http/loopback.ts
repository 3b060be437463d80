import { isIPv4, isIPv6 } from 'node:net';

/**
 * Hosts that never leave this machine, where plain HTTP exposes nothing:
 * 127.0.0.0/8, ::1, localhost and *.localhost (RFC 6761 reserves both names
 * for loopback). `host` is a host as a location or URL.host writes it, with
 * an optional port, IPv6 bracketed or bare (an error's address).
 */
export function isLoopback(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : isIPv6(host) ? host : host.replace(/:\d+$/, '');
  return name === 'localhost' || name.endsWith('.localhost') || name === '::1' || (isIPv4(name) && name.startsWith('127.'));
}
