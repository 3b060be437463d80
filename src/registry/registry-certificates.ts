import { X509Certificate } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError } from '../errors.js';

/**
 * A registry's own TLS files, from a certs.d directory named after its host
 * (with the port): every `*.crt` is a CA to trust besides the system's, and a
 * `<name>.cert` with its `<name>.key` is a client certificate, as docker and
 * containers/image read them (containers-certs.d(5)).
 */
export interface RegistryCertificates {
  /** the directory they came from, for messages */
  directory: string;
  /** PEM, each file as it was */
  ca: string[];
  clientCertificate?: { cert: string; key: string };
}

/**
 * Where certs.d directories are looked for, in containers/image's order: the
 * user's own, then podman's system-wide, then docker's. The first that has a
 * directory for the host is the only one read, as there.
 */
export function certsDirectories(env: NodeJS.ProcessEnv): string[] {
  const configHome = env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return [path.join(configHome, 'containers', 'certs.d'), '/etc/containers/certs.d', '/etc/docker/certs.d'];
}

/**
 * Where an error tells the user to put a host's CA: the user's own certs.d,
 * the first place looked (certsDirectories), as the shell writes it.
 */
export function userCaFile(host: string): string {
  return `~/.config/containers/certs.d/${host}/ca.crt`;
}

/** Finds and reads each host's certs.d directory once per run; undefined for a host that has none. */
export class RegistryCertificateFinder {
  readonly #roots: readonly string[];
  readonly #found = new Map<string, RegistryCertificates | undefined>();

  constructor(roots: readonly string[]) {
    this.#roots = roots;
  }

  /** `host` as a location or URL writes it: name or address, with its port if it has one. */
  forHost(host: string): RegistryCertificates | undefined {
    if (!this.#found.has(host)) this.#found.set(host, this.#read(host));
    return this.#found.get(host);
  }

  #read(host: string): RegistryCertificates | undefined {
    for (const root of this.#roots) {
      const directory = path.join(root, host);
      const names = listDirectory(directory);
      if (names !== undefined) return readCertsDirectory(directory, names.sort());
    }
    return undefined;
  }
}

function listDirectory(directory: string): string[] | undefined {
  try {
    return readdirSync(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw new InputError(
      `${directory}: cannot read this certs.d directory (${(error as Error).message}); fix its permissions or remove it`,
    );
  }
}

function readCertsDirectory(directory: string, names: string[]): RegistryCertificates {
  const ca = names.filter((name) => name.endsWith('.crt')).map((name) => readCertificate(path.join(directory, name)));
  const certificates: RegistryCertificates = { directory, ca };
  for (const name of names.filter((candidate) => candidate.endsWith('.cert'))) {
    const keyName = `${name.slice(0, -'.cert'.length)}.key`;
    if (!names.includes(keyName))
      throw new InputError(
        `${path.join(directory, name)}: a client certificate without its key; put ${keyName} beside it, or remove the .cert`,
      );
    if (certificates.clientCertificate)
      throw new InputError(`${directory}: more than one client certificate (.cert); keep one pair of .cert and .key`);
    certificates.clientCertificate = { cert: readCertificate(path.join(directory, name)), key: readText(path.join(directory, keyName)) };
  }
  return certificates;
}

/** A PEM file of one or more certificates, each parsed here so a broken file is named now, not as a TLS failure later. */
function readCertificate(file: string): string {
  const pem = readText(file);
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0)
    throw new InputError(`${file}: no PEM certificate (-----BEGIN CERTIFICATE-----) in this file; put the CA's certificate there`);
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch (error) {
      throw new InputError(
        `${file}: a certificate that does not parse (${(error as Error).message}); replace it with the PEM the CA issued`,
      );
    }
  }
  return pem;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError(`${file}: cannot read it (${(error as Error).message}); fix its permissions or remove it`);
  }
}
