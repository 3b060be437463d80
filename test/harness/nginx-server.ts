/**
 * Debian's nginx as a redirecting front: every /v2/ request is answered 307
 * to the same path and query on another registry, as registry.k8s.io sends
 * every request to Artifact Registry. Its access log records each request with
 * the Authorization header it carried, so a test can see what the front got.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LOOPBACK, freeLoopbackPort } from './loopback.js';
import { stopProcess, waitForChild } from './registry-server.js';

export const NGINX_BINARY = '/usr/sbin/nginx';

export interface RedirectingFront {
  url: string;
  host: string;
  /** the access log's lines so far: `METHOD URI STATUS AUTHORIZATION` ("-" for none) */
  accessLog(): string[];
  stop(): Promise<void>;
}

const PORT_ATTEMPTS = 3;

/**
 * nginx on a free 127.0.0.1 port answering every /v2/<rest> with 307 to
 * `targetUrl`/v2/`repositoryPrefix`<rest>: with a prefix, the repository has
 * another name there too (registry.k8s.io/pause is
 * us-west2-docker.pkg.dev/k8s-artifacts-prod/images/pause).
 */
export async function startRedirectingFront(targetUrl: string, repositoryPrefix = ''): Promise<RedirectingFront> {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'readme-gen-nginx-'));
  mkdirSync(path.join(directory, 'tmp'));
  for (let attempt = 1; ; attempt++) {
    const port = await freeLoopbackPort();
    writeFileSync(path.join(directory, 'nginx.conf'), nginxConfig(directory, port, `${targetUrl}/v2/${repositoryPrefix}`));
    // master_process off: one process, which stopProcess can end; -e: even the errors before the config is read go here.
    const child = spawn(
      NGINX_BINARY,
      ['-p', directory, '-c', path.join(directory, 'nginx.conf'), '-e', path.join(directory, 'error.log')],
      {
        stdio: 'ignore',
      },
    );
    const url = `http://${LOOPBACK}:${port}`;
    if (await waitUntilReady(child, url)) {
      const killOnExit = (): void => void child.kill('SIGKILL');
      process.once('exit', killOnExit);
      return {
        url,
        host: `${LOOPBACK}:${port}`,
        accessLog: () => readFileSync(path.join(directory, 'access.log'), 'utf8').split('\n').filter(Boolean),
        async stop() {
          process.off('exit', killOnExit);
          await stopProcess(child);
          rmSync(directory, { recursive: true, force: true });
        },
      };
    }
    await stopProcess(child);
    const log = readFileSync(path.join(directory, 'error.log'), 'utf8');
    // Another process took the port between our probe and nginx's bind.
    if (attempt === PORT_ATTEMPTS || !log.includes('Address already in use')) {
      rmSync(directory, { recursive: true, force: true });
      throw new Error(`nginx did not start (run scripts/ensure-test-tools.sh); its log:\n${log}`);
    }
  }
}

function nginxConfig(directory: string, port: number, targetBase: string): string {
  const file = (name: string) => path.join(directory, name);
  // Every path nginx writes is in the test's directory: the system's /var/log/nginx and /run are never touched.
  return `daemon off;
master_process off;
pid ${file('nginx.pid')};
error_log ${file('error.log')} warn;
events { worker_connections 256; }
http {
  log_format front '$request_method $request_uri $status $http_authorization';
  access_log ${file('access.log')} front;
  client_body_temp_path ${file('tmp')};
  proxy_temp_path ${file('tmp')};
  fastcgi_temp_path ${file('tmp')};
  uwsgi_temp_path ${file('tmp')};
  scgi_temp_path ${file('tmp')};
  server {
    listen ${LOOPBACK}:${port};
    location ~ ^/v2/(.*)$ { return 307 ${targetBase}$1$is_args$args; }
  }
}
`;
}

/** Polls until nginx answers a /v2/ request with its 307; false if it exited first. */
function waitUntilReady(child: ChildProcess, url: string): Promise<boolean> {
  const redirects = () =>
    fetch(`${url}/v2/`, { redirect: 'manual' }).then(
      async (response) => {
        await response.body?.cancel();
        return response.status === 307;
      },
      () => false,
    );
  return waitForChild(child, NGINX_BINARY, redirects, `answer ${url}/v2/ with a redirect`);
}
