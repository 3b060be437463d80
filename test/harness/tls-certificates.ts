/**
 * A private CA for TLS tests and the certificates it issues: a server's (for
 * a registry on 127.0.0.1 under its address and test names) and a client's
 * (for registries that ask for one). PEM throughout, as docker-registry's
 * config and certs.d take them.
 */
import 'reflect-metadata';
import { createHash, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { type TestCa, createCa } from '../helpers/signing.js';

const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface TlsCa {
  ca: TestCa;
  /** the CA's certificate, PEM: what a client is told to trust */
  certificatePem: string;
}

export interface IssuedCertificate {
  certificatePem: string;
  /** PKCS #8 PEM */
  keyPem: string;
}

export async function createTlsCa(commonName = 'readme-gen test TLS CA'): Promise<TlsCa> {
  const ca = await createCa(commonName);
  return { ca, certificatePem: ca.certificate.toString('pem') };
}

/** A server certificate for `dnsNames` and `ipAddresses` (the SAN a TLS client checks the host against). */
export function issueServerCertificate(tlsCa: TlsCa, names: { dnsNames?: string[]; ipAddresses?: string[] }): Promise<IssuedCertificate> {
  const san = [
    ...(names.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(names.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  return issue(tlsCa, san[0]?.value ?? 'server', x509.ExtendedKeyUsage.serverAuth, [new x509.SubjectAlternativeNameExtension(san, false)]);
}

/** A client certificate, for a registry that verifies its clients against `tlsCa`. */
export function issueClientCertificate(tlsCa: TlsCa, commonName: string): Promise<IssuedCertificate> {
  return issue(tlsCa, commonName, x509.ExtendedKeyUsage.clientAuth, []);
}

async function issue(tlsCa: TlsCa, commonName: string, usage: string, extensions: x509.Extension[]): Promise<IssuedCertificate> {
  const keys = await webcrypto.subtle.generateKey(ECDSA_P256, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: createHash('sha256').update(`${commonName} ${usage} ${Date.now()}`).digest('hex').slice(0, 16),
    subject: `CN=${commonName}`,
    issuer: tlsCa.ca.certificate.subject,
    notBefore: new Date(Date.now() - 60 * 60 * 1000),
    notAfter: new Date(Date.now() + 24 * 60 * 60 * 1000),
    signingAlgorithm: ECDSA_P256,
    publicKey: keys.publicKey,
    signingKey: tlsCa.ca.keys.privateKey,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([usage]),
      await x509.AuthorityKeyIdentifierExtension.create(tlsCa.ca.keys.publicKey),
      ...extensions,
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8
    .toString('base64')
    .match(/.{1,64}/g)
    ?.join('\n')}\n-----END PRIVATE KEY-----\n`;
  return { certificatePem: certificate.toString('pem'), keyPem };
}
