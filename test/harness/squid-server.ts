/**
 * Debian's squid as the HTTP(S) proxy of a test: on a free 127.0.0.1 port,
 * resolving names from its own hosts file (so a test name that no resolver on
 * this machine knows reaches a loopback registry only through the proxy), and
 * logging every request it relays.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { LOOPBACK, freeLoopbackPort } from './loopback.js';
import { stopProcess, waitForChild } from './registry-server.js';

export const SQUID_BINARY = '/usr/sbin/squid';

export interface RunningSquid {
  /**
   * http://localhost:PORT, for HTTP_PROXY and HTTPS_PROXY. Not 127.0.0.1: for a
   * proxy named by IP, undici's connect() names the target host (with a lookup
   * that answers the proxy's address), which the loopback guard takes for a
   * direct connection to the target.
   */
  url: string;
  /** the access log's lines so far (squid's native format: … TCP_TUNNEL/200 … CONNECT host:port …) */
  accessLog(): string[];
  stop(): Promise<void>;
}

const PORT_ATTEMPTS = 3;

/** squid that resolves each name in `hosts` to its address, and allows every request (it listens on loopback only). */
export async function startSquid(hosts: Record<string, string>): Promise<RunningSquid> {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'readme-gen-squid-'));
  // squid drops root for its own user (proxy), which must write its logs here.
  chmodSync(directory, 0o777);
  writeFileSync(
    path.join(directory, 'hosts'),
    Object.entries(hosts)
      .map(([name, address]) => `${address} ${name}\n`)
      .join(''),
  );
  for (let attempt = 1; ; attempt++) {
    const port = await freeLoopbackPort();
    writeFileSync(path.join(directory, 'squid.conf'), squidConfig(directory, port));
    // -N: in the foreground, one process, which stopProcess can end.
    const child = spawn(SQUID_BINARY, ['-N', '-f', path.join(directory, 'squid.conf')], { stdio: 'ignore' });
    if (await waitUntilListening(child, port)) {
      const killOnExit = (): void => void child.kill('SIGKILL');
      process.once('exit', killOnExit);
      const accessLog = path.join(directory, 'access.log');
      return {
        url: `http://localhost:${port}`,
        accessLog: () => (existsSync(accessLog) ? readFileSync(accessLog, 'utf8').split('\n').filter(Boolean) : []),
        async stop() {
          process.off('exit', killOnExit);
          await stopProcess(child);
          rmSync(directory, { recursive: true, force: true });
        },
      };
    }
    await stopProcess(child);
    const log = existsSync(path.join(directory, 'cache.log')) ? readFileSync(path.join(directory, 'cache.log'), 'utf8') : '(no log)';
    // Another process took the port between our probe and squid's bind.
    if (attempt === PORT_ATTEMPTS || !log.includes('Address already in use')) {
      rmSync(directory, { recursive: true, force: true });
      throw new Error(`squid did not start (run scripts/ensure-test-tools.sh); its log:\n${log}`);
    }
  }
}

function squidConfig(directory: string, port: number): string {
  const file = (name: string) => path.join(directory, name);
  // No cache, no DNS server (127.0.0.1:53 answers nothing, so only the hosts file resolves), every file in the test's directory.
  return `http_port ${LOOPBACK}:${port}
pid_filename ${file('squid.pid')}
access_log stdio:${file('access.log')} squid
buffered_logs off
cache_log ${file('cache.log')}
cache_store_log none
cache deny all
cache_mem 8 MB
coredump_dir ${directory}
hosts_file ${file('hosts')}
dns_nameservers 127.0.0.1
visible_hostname readme-gen-test
http_access allow all
shutdown_lifetime 0 seconds
netdb_filename none
`;
}

/** Polls until squid accepts a TCP connection on `port`; false if it exited first. */
function waitUntilListening(child: ChildProcess, port: number): Promise<boolean> {
  const accepts = () =>
    new Promise<boolean>((resolve) => {
      const socket = connect(port, LOOPBACK);
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
  return waitForChild(child, SQUID_BINARY, accepts, `accept connections on port ${port}`);
}
