/**
 * Loopback plumbing shared by the harness servers. Tests only ever contact
 * 127.0.0.1: every server here binds there, never to a wildcard address.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';

export const LOOPBACK = '127.0.0.1';

/** Binds `server` to 127.0.0.1 on a port the kernel picks and returns that port. */
export async function listenOnLoopback(server: NetServer): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/**
 * Closes `server` now: idle keep-alive sockets would otherwise hold close()
 * open for the client's keep-alive timeout.
 */
export async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  server.closeAllConnections();
  await closed;
}

/**
 * A port that was free a moment ago, for a child process that must be told
 * its port up front. Another process may take it before the child binds, so
 * callers retry when the child reports the address in use.
 */
export async function freeLoopbackPort(): Promise<number> {
  const probe = createServer();
  const port = await listenOnLoopback(probe);
  await closeServer(probe);
  return port;
}

/**
 * A server on another loopback address that records every request it gets:
 * where readme-gen must never send anything, a request there is seen.
 */
export async function startSentinel(address: string, answer: object): Promise<{ server: Server; origin: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, address, resolve);
  });
  return { server, origin: `http://${address}:${(server.address() as AddressInfo).port}`, requests };
}
