/**
 * A TUF repository made by the test and served on 127.0.0.1, as Sigstore
 * publishes its trusted root: root, targets (with trusted_root.json as a
 * target), snapshot and timestamp, each role with its own Ed25519 key, every
 * `signed` signed over its canonical JSON, consistent snapshots (versioned
 * metadata names, hash-prefixed target names) as tuf-repo-cdn.sigstore.dev
 * serves them. `publish` makes a new targets/snapshot/timestamp generation;
 * the server counts every request.
 */
import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { canonicalize } from '@tufjs/canonical-json';
import { closeServer, listenOnLoopback } from '../harness/loopback.js';

interface RoleKey {
  keyid: string;
  privateKey: KeyObject;
  /** the key as root.json lists it */
  json: { keytype: 'ed25519'; scheme: 'ed25519'; keyval: { public: string } };
}

type Role = 'root' | 'targets' | 'snapshot' | 'timestamp';
const ROLES: readonly Role[] = ['root', 'targets', 'snapshot', 'timestamp'];

function createRoleKey(): RoleKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  // The raw 32-byte key, hex: the last 32 bytes of its SPKI DER.
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const json = { keytype: 'ed25519' as const, scheme: 'ed25519' as const, keyval: { public: raw.toString('hex') } };
  return { keyid: createHash('sha256').update(canonicalize(json)).digest('hex'), privateKey, json };
}

/** A date `days` from now, as TUF writes expiry (seconds, Z). */
export function daysFromNow(days: number): string {
  return `${new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 19)}Z`;
}

export interface PublishOptions {
  /** the trusted_root.json to serve; default: the last one published */
  trustedRoot?: object;
  /** when the new timestamp.json expires; default in 7 days */
  timestampExpires?: string;
  /** when the new snapshot.json and targets.json expire; default in 30 days */
  expires?: string;
  /** change targets.json after signing it (its signature no longer verifies; snapshot names its hash as served) */
  tamperTargets?: boolean;
}

export class TufRepository {
  readonly keys: Record<Role, RoleKey> = {
    root: createRoleKey(),
    targets: createRoleKey(),
    snapshot: createRoleKey(),
    timestamp: createRoleKey(),
  };
  /** every file the server has, by path without the leading slash */
  readonly files = new Map<string, Buffer>();
  /** every request, as "GET /path" */
  readonly requests: string[] = [];
  /** answer every request with this status (a repository that is down) */
  failWith: number | undefined;
  rootVersion = 1;
  version = 0;
  #trustedRoot: object | undefined;
  #server: Server | undefined;
  url = '';

  constructor() {
    this.#putRoot(daysFromNow(365));
  }

  /** root.json of the current version, the file a client starts from. */
  get rootJson(): Buffer {
    return this.files.get(`${this.rootVersion}.root.json`) as Buffer;
  }

  async start(): Promise<void> {
    this.#server = createServer((request, response) => {
      this.requests.push(`${request.method} ${request.url}`);
      if (this.failWith !== undefined) {
        response.writeHead(this.failWith).end();
        return;
      }
      const file = this.files.get(decodeURIComponent((request.url ?? '/').slice(1)));
      if (file === undefined) response.writeHead(404).end();
      else response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': file.length }).end(file);
    });
    this.url = `http://127.0.0.1:${await listenOnLoopback(this.#server)}`;
  }

  /** Stops serving; a second call does nothing. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server) await closeServer(server);
  }

  /** A new generation: targets (with `trustedRoot`), snapshot and timestamp, each one version up. */
  publish(options: PublishOptions = {}): void {
    this.version++;
    if (options.trustedRoot) this.#trustedRoot = options.trustedRoot;
    if (!this.#trustedRoot) throw new Error('the first publish needs a trusted root');
    const expires = options.expires ?? daysFromNow(30);
    const target = Buffer.from(JSON.stringify(this.#trustedRoot, null, 2));
    const targetHash = createHash('sha256').update(target).digest('hex');
    this.files.set(`targets/${targetHash}.trusted_root.json`, target);

    let targets = this.#signed('targets', {
      _type: 'targets',
      spec_version: '1.0.31',
      version: this.version,
      expires,
      targets: { 'trusted_root.json': { length: target.length, hashes: { sha256: targetHash } } },
    });
    if (options.tamperTargets) {
      // Served as changed, so snapshot's hash matches and the signature is what fails.
      const json = JSON.parse(targets.toString('utf8')) as { signed: { expires: string } };
      json.signed.expires = daysFromNow(3650);
      targets = Buffer.from(JSON.stringify(json));
    }
    this.files.set(`${this.version}.targets.json`, targets);

    const snapshot = this.#signed('snapshot', {
      _type: 'snapshot',
      spec_version: '1.0.31',
      version: this.version,
      expires,
      meta: { 'targets.json': { version: this.version, length: targets.length, hashes: { sha256: sha256Hex(targets) } } },
    });
    this.files.set(`${this.version}.snapshot.json`, snapshot);

    const timestamp = this.#signed('timestamp', {
      _type: 'timestamp',
      spec_version: '1.0.31',
      version: this.version,
      expires: options.timestampExpires ?? daysFromNow(7),
      meta: { 'snapshot.json': { version: this.version, length: snapshot.length, hashes: { sha256: sha256Hex(snapshot) } } },
    });
    this.files.set('timestamp.json', timestamp);
  }

  /** The previous generation's timestamp served again (a rollback). */
  serveTimestamp(bytes: Buffer): void {
    this.files.set('timestamp.json', bytes);
  }

  #putRoot(expires: string): void {
    const keys = Object.fromEntries(ROLES.map((role) => [this.keys[role].keyid, this.keys[role].json]));
    const roles = Object.fromEntries(ROLES.map((role) => [role, { keyids: [this.keys[role].keyid], threshold: 1 }]));
    const root = this.#signed('root', {
      _type: 'root',
      spec_version: '1.0.31',
      version: this.rootVersion,
      expires,
      consistent_snapshot: true,
      keys,
      roles,
    });
    this.files.set(`${this.rootVersion}.root.json`, root);
  }

  #signed(role: Role, signed: Record<string, unknown>): Buffer {
    const key = this.keys[role];
    const sig = sign(null, Buffer.from(canonicalize(signed)), key.privateKey).toString('hex');
    return Buffer.from(JSON.stringify({ signed, signatures: [{ keyid: key.keyid, sig }] }, null, 1));
  }
}

function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
