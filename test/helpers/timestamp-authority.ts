/**
 * A private RFC 3161 timestamp authority for tests: a CA, a TSA certificate
 * under it (extended key usage timeStamping, critical, as RFC 3161 §2.3 asks),
 * and real TimeStampTokens — CMS SignedData over a TSTInfo — as
 * timestamp.sigstore.dev returns them and cosign stores them in a bundle's
 * `timestampVerificationData.rfc3161Timestamps[].signedTimestamp` (a DER
 * TimeStampResp: status, then the token). Plus the trusted-root
 * `timestampAuthorities` entry that makes sigstore-js trust it.
 *
 * What sigstore-js (@sigstore/core rfc3161, @sigstore/verify timestamp/tsa)
 * checks, and so what this must get right: the ContentInfo type is
 * signedData; the encapsulated content is a TSTInfo; the TSTInfo's message
 * imprint is the hash of the signed bytes (for a bundle: the signature);
 * signed attributes exist and their message-digest is the digest of the
 * TSTInfo DER; the signature over the signed attributes (re-tagged as a SET)
 * verifies with the key of the first certificate of a trusted TSA chain whose
 * issuer and serial number equal the signer identifier's; the chain is valid
 * at genTime and the trusted-root entry's validFor covers genTime.
 * Content type, signing time and signing-certificate-v2 are also signed, as a
 * real TSA (and stricter verifiers: sigstore-go, cosign) expect.
 *
 * ASN.1 with the @peculiar/asn1-* schemas (CMS, TSP, X.509); only ESS
 * SigningCertificateV2 (RFC 5035), which none of them define, is assembled
 * by hand from DER parts.
 */
import 'reflect-metadata';
import { createHash, generateKeyPairSync, sign, webcrypto, type KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { AsnParser, AsnSerializer, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, Certificate, GeneralName } from '@peculiar/asn1-x509';
import {
  Attribute,
  CertificateChoices,
  CertificateSet,
  CMSVersion,
  ContentInfo,
  DigestAlgorithmIdentifier,
  DigestAlgorithmIdentifiers,
  EncapsulatedContent,
  EncapsulatedContentInfo,
  IssuerAndSerialNumber,
  SignatureAlgorithmIdentifier,
  SignedData,
  SignerIdentifier,
  SignerInfo,
  SignerInfos,
  id_signedData,
} from '@peculiar/asn1-cms';
import { MessageImprint, PKIStatus, PKIStatusInfo, TSTInfo, TimeStampResp, id_ct_tstInfo } from '@peculiar/asn1-tsp';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

const OID = {
  sha256: '2.16.840.1.101.3.4.2.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  /** the policy timestamp.sigstore.dev names (Sigstore's arc, .2) */
  sigstoreTsaPolicy: '1.3.6.1.4.1.57264.2',
} as const;

export interface TestTsa {
  /** the self-signed root */
  ca: x509.X509Certificate;
  /** the TSA's own certificate: EKU timeStamping (critical), issued by `ca` */
  certificate: x509.X509Certificate;
  /** the TSA's signing key (P-256) */
  privateKey: KeyObject;
}

export interface TsaOptions {
  /** default 'test-tsa' */
  commonName?: string;
  /** the TSA certificate's validity; default 2020-01-01 … 2040-01-01 */
  notBefore?: Date;
  notAfter?: Date;
}

/** A CA and a timestamping certificate under it, as a private Sigstore's TSA has. */
export async function createTsa(options: TsaOptions = {}): Promise<TestTsa> {
  const commonName = options.commonName ?? 'test-tsa';
  const caKeys = await webcrypto.subtle.generateKey(ECDSA_P256, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${commonName}-root, O=readme-gen tests`,
    notBefore: new Date(Date.UTC(2020, 0, 1)),
    notAfter: new Date(Date.UTC(2040, 0, 1)),
    signingAlgorithm: ECDSA_P256,
    keys: caKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicCryptoKey = await webcrypto.subtle.importKey('spki', publicKey.export({ format: 'der', type: 'spki' }), ECDSA_P256, true, [
    'verify',
  ]);
  const certificate = await x509.X509CertificateGenerator.create({
    // a 20-byte serial whose first byte needs no sign padding, as real TSAs issue
    serialNumber: `3${createHash('sha256').update(commonName).digest('hex').slice(0, 39)}`,
    subject: `CN=${commonName}, O=readme-gen tests`,
    issuer: ca.subject,
    notBefore: options.notBefore ?? new Date(Date.UTC(2020, 0, 1)),
    notAfter: options.notAfter ?? new Date(Date.UTC(2040, 0, 1)),
    signingAlgorithm: ECDSA_P256,
    publicKey: publicCryptoKey,
    signingKey: caKeys.privateKey,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.timeStamping], true),
      await x509.SubjectKeyIdentifierExtension.create(publicCryptoKey),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  return { ca, certificate, privateKey };
}

export interface TimestampOptions {
  /** the time the TSA attests; default now. Whole seconds are kept. */
  genTime?: Date;
  /** the token's serial number; default derived from the imprint and time */
  serialNumber?: bigint;
  /** default Sigstore's TSA policy OID */
  policy?: string;
  /** put the TSA chain in SignedData.certificates (timestamp.sigstore.dev leaves it out) */
  embedCertificates?: boolean;
  /** sign with this key instead of the TSA's (an untrusted TSA in the TSA's name) */
  signingKey?: KeyObject;
}

/**
 * A DER TimeStampResp (status granted + TimeStampToken) over `data`: the
 * message imprint is sha256(data). For a Sigstore bundle, `data` is the
 * signature bytes (the DSSE envelope's signature, or the message signature).
 */
export function timestampResponse(tsa: TestTsa, data: Uint8Array, options: TimestampOptions = {}): Buffer<ArrayBuffer> {
  const genTime = new Date(Math.floor((options.genTime ?? new Date()).getTime() / 1000) * 1000);
  const imprint = createHash('sha256').update(data).digest();
  const leaf = AsnParser.parse(tsa.certificate.rawData, Certificate).tbsCertificate;
  const serial =
    options.serialNumber ?? BigInt(`0x${createHash('sha256').update(imprint).update(genTime.toISOString()).digest('hex').slice(0, 30)}`);

  const tstInfo = new TSTInfo({
    version: 1,
    policy: options.policy ?? OID.sigstoreTsaPolicy,
    messageImprint: new MessageImprint({
      hashAlgorithm: new AlgorithmIdentifier({ algorithm: OID.sha256 }),
      hashedMessage: new OctetString(imprint),
    }),
    serialNumber: integerBytes(serial),
    genTime,
    ordering: false,
    tsa: new GeneralName({ directoryName: leaf.subject }),
  });
  const tstInfoDer = Buffer.from(AsnSerializer.serialize(tstInfo));

  const attributes = [
    attribute(OID.contentType, der(0x06, oidContent(id_ct_tstInfo))),
    attribute(OID.signingTime, der(0x17, Buffer.from(utcTime(genTime), 'ascii'))),
    attribute(OID.messageDigest, der(0x04, createHash('sha256').update(tstInfoDer).digest())),
    attribute(OID.signingCertificateV2, signingCertificateV2(tsa.certificate, leaf)),
  ];
  // DER orders a SET OF by the encodings; the signature covers the SET as encoded.
  const encoded = attributes.map((item) => Buffer.from(AsnSerializer.serialize(item))).map((bytes, index) => ({ bytes, index }));
  encoded.sort((a, b) => Buffer.compare(a.bytes, b.bytes));
  const signedAttrs = encoded.map(({ index }) => attributes[index]!);
  const signedAttrsSet = der(0x31, Buffer.concat(encoded.map(({ bytes }) => bytes)));
  const signature = sign('sha256', signedAttrsSet, options.signingKey ?? tsa.privateKey);

  const signerInfo = new SignerInfo({
    version: CMSVersion.v1,
    sid: new SignerIdentifier({
      issuerAndSerialNumber: new IssuerAndSerialNumber({ issuer: leaf.issuer, serialNumber: leaf.serialNumber }),
    }),
    digestAlgorithm: new DigestAlgorithmIdentifier({ algorithm: OID.sha256 }),
    signedAttrs,
    signatureAlgorithm: new SignatureAlgorithmIdentifier({ algorithm: OID.ecdsaWithSha256 }),
    signature: new OctetString(signature),
  });
  const signedData = new SignedData({
    version: CMSVersion.v3,
    digestAlgorithms: new DigestAlgorithmIdentifiers([new DigestAlgorithmIdentifier({ algorithm: OID.sha256 })]),
    encapContentInfo: new EncapsulatedContentInfo({
      eContentType: id_ct_tstInfo,
      eContent: new EncapsulatedContent({ single: new OctetString(tstInfoDer) }),
    }),
    signerInfos: new SignerInfos([signerInfo]),
  });
  if (options.embedCertificates) {
    signedData.certificates = new CertificateSet(
      [tsa.certificate, tsa.ca].map(
        (certificate) => new CertificateChoices({ certificate: AsnParser.parse(certificate.rawData, Certificate) }),
      ),
    );
  }
  const token = new ContentInfo({ contentType: id_signedData, content: AsnSerializer.serialize(signedData) });
  const response = new TimeStampResp({ status: new PKIStatusInfo({ status: PKIStatus.granted }), timeStampToken: token });
  return Buffer.from(AsnSerializer.serialize(response));
}

/** The bundle's `timestampVerificationData` holding one timestamp over `data`. */
export function timestampVerificationData(
  tsa: TestTsa,
  data: Uint8Array,
  options: TimestampOptions = {},
): { rfc3161Timestamps: { signedTimestamp: string }[] } {
  return { rfc3161Timestamps: [{ signedTimestamp: timestampResponse(tsa, data, options).toString('base64') }] };
}

/** The trusted root's `timestampAuthorities` entry for this TSA: chain leaf first, then the root. */
export function timestampAuthorityEntry(
  tsa: TestTsa,
  validFor: { start: string; end?: string } = { start: '2020-01-01T00:00:00Z' },
): object {
  return {
    subject: { organization: 'readme-gen tests', commonName: tsa.certificate.subjectName.getField('CN')[0] ?? 'test-tsa' },
    uri: 'https://tsa.test.invalid/api/v1/timestamp',
    certChain: {
      certificates: [tsa.certificate, tsa.ca].map((certificate) => ({ rawBytes: Buffer.from(certificate.rawData).toString('base64') })),
    },
    validFor,
  };
}

function attribute(type: string, value: Buffer): Attribute {
  return new Attribute({ attrType: type, attrValues: [toArrayBuffer(value)] });
}

/**
 * SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 }
 * ESSCertIDv2 ::= SEQUENCE { [hashAlgorithm sha256 is the DEFAULT, so absent] certHash OCTET STRING, issuerSerial IssuerSerial }
 * IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber INTEGER }
 */
function signingCertificateV2(certificate: x509.X509Certificate, leaf: Certificate['tbsCertificate']): Buffer {
  const certHash = createHash('sha256').update(Buffer.from(certificate.rawData)).digest();
  const issuerName = Buffer.from(AsnSerializer.serialize(new GeneralName({ directoryName: leaf.issuer })));
  const issuerSerial = der(0x30, Buffer.concat([der(0x30, issuerName), der(0x02, Buffer.from(leaf.serialNumber))]));
  return der(0x30, der(0x30, der(0x30, Buffer.concat([der(0x04, certHash), issuerSerial]))));
}

/** A DER TLV. */
function der(tag: number, content: Buffer): Buffer {
  const length = content.length;
  if (length < 0x80) return Buffer.concat([Buffer.from([tag, length]), content]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
  return Buffer.concat([Buffer.from([tag, 0x80 | bytes.length, ...bytes]), content]);
}

function oidContent(oid: string): Buffer {
  const [first = 0, second = 0, ...rest] = oid.split('.').map(Number);
  const bytes = [40 * first + second];
  for (const arc of rest) {
    const base128 = [arc & 0x7f];
    for (let value = arc >>> 7; value > 0; value >>>= 7) base128.unshift(0x80 | (value & 0x7f));
    bytes.push(...base128);
  }
  return Buffer.from(bytes);
}

/** The content octets of a positive INTEGER, with a leading zero when the top bit is set. */
function integerBytes(value: bigint): ArrayBuffer {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  if (Number.parseInt(hex.slice(0, 2), 16) & 0x80) hex = `00${hex}`;
  return toArrayBuffer(Buffer.from(hex, 'hex'));
}

function utcTime(date: Date): string {
  return `${date.toISOString().slice(2, 19).replace(/[-:T]/g, '')}Z`;
}

function toArrayBuffer(bytes: Buffer): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
