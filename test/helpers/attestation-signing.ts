/**
 * Attestations as the registry holds them, made by the tests' own CA and log
 * (signing.ts): a layer of cosign's legacy `.att` manifest logged as an
 * `intoto` 0.0.2 or a `dsse` 0.0.1 entry, a Sigstore bundle referrer
 * (signBundle over the statement), and BuildKit's unsigned attestation
 * layers; and the predicates GitHub, BuildKit and the SBOM tools write, with
 * the fields readme-gen reads. Nothing here is used by readme-gen itself.
 */
import { createHash, createPublicKey, sign } from 'node:crypto';
import type { BuildkitAttestationRecord, CosignAttestationRecord, Digest } from '../../src/state/image-state.js';
import { IN_TOTO, type SignOptions, type TestLeaf, preAuthEncoding, rekorBundleAnnotation, rekorV1DsseBody } from './signing.js';

export const SLSA_V1 = 'https://slsa.dev/provenance/v1';
export const SLSA_V02 = 'https://slsa.dev/provenance/v0.2';
export const SPDX = 'https://spdx.dev/Document';
export const CYCLONEDX = 'https://cyclonedx.org/bom';

/** An in-toto statement (v1) about these digests, serialised as its maker would: compact JSON. */
export function statement(subjects: readonly string[], predicateType: string, predicate: unknown): Buffer {
  return Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v1',
      subject: subjects.map((digest) => ({ name: 'registry.example.com/acme/app', digest: { sha256: digest.replace(/^sha256:/, '') } })),
      predicateType,
      predicate,
    }),
  );
}

export interface AttOptions {
  /** the statement the envelope holds */
  statement: Buffer;
  predicateType: string;
  /** keyless: the leaf and its key; keyed: a key alone (then no certificate annotation) */
  leaf?: TestLeaf;
  key?: SignOptions['privateKey'];
  /** the log that took the entry; none: no bundle annotation */
  log?: NonNullable<SignOptions['log']>;
  /** how the log recorded it: `intoto` 0.0.2 (default; cosign until mid-2023, or with --rekor-entry-type intoto) or `dsse` 0.0.1 (cosign since) */
  entry?: 'intoto' | 'dsse';
  /** the `.att` manifest's digest; default a made-up one */
  manifestDigest?: Digest;
}

/** One layer of cosign's `sha256-<hex>.att` manifest (`cosign attest`): a DSSE envelope over the statement, signed for real. */
export function signAttLayer(options: AttOptions): CosignAttestationRecord {
  const privateKey = options.leaf?.privateKey ?? options.key;
  if (!privateKey) throw new Error('signAttLayer: give a leaf (keyless) or a key');
  const signature = sign('sha256', preAuthEncoding(IN_TOTO, options.statement), privateKey);
  const envelope = {
    payloadType: IN_TOTO,
    payload: options.statement.toString('base64'),
    signatures: [{ keyid: '', sig: signature.toString('base64') }],
  };
  const bytes = Buffer.from(JSON.stringify(envelope));
  const verifierPem = options.leaf?.pem ?? createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString();
  const annotations: Record<string, string> = { predicateType: options.predicateType, 'dev.cosignproject.cosign/signature': '' };
  if (options.leaf) annotations['dev.sigstore.cosign/certificate'] = options.leaf.pem;
  if (options.log) {
    const body =
      (options.entry ?? 'intoto') === 'intoto'
        ? intotoBody(envelope, options.statement, signature, verifierPem)
        : rekorV1DsseBody({ envelope, statement: options.statement, signature, verifierPem });
    annotations['dev.sigstore.cosign/bundle'] = rekorBundleAnnotation(options.log, Buffer.from(body).toString('base64'));
  }
  return {
    format: 'cosign',
    manifestDigest: options.manifestDigest ?? `sha256:${createHash('sha256').update('att manifest').update(bytes).digest('hex')}`,
    mediaType: 'application/vnd.dsse.envelope.v1+json',
    digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
    payload: bytes.toString('base64'),
    annotations,
  };
}

/**
 * Rekor's `intoto` 0.0.2 entry as it canonicalises it: the envelope without
 * its payload, each signature base64-encoded once more, the verifier as
 * base64 PEM, and the hashes of the envelope and of the statement.
 */
function intotoBody(envelope: object, statementBytes: Buffer, signature: Buffer, verifierPem: string): string {
  return JSON.stringify({
    apiVersion: '0.0.2',
    kind: 'intoto',
    spec: {
      content: {
        envelope: {
          payloadType: IN_TOTO,
          signatures: [
            { publicKey: Buffer.from(verifierPem).toString('base64'), sig: Buffer.from(signature.toString('base64')).toString('base64') },
          ],
        },
        hash: { algorithm: 'sha256', value: createHash('sha256').update(JSON.stringify(envelope)).digest('hex') },
        payloadHash: { algorithm: 'sha256', value: createHash('sha256').update(statementBytes).digest('hex') },
      },
    },
  });
}

/** One layer of a BuildKit attestation manifest (`docker buildx build --provenance --sbom`): an unsigned statement about `subject`, a platform manifest. */
export function buildkitLayer(subject: Digest, predicateType: string, statementBytes: Buffer): BuildkitAttestationRecord {
  return {
    format: 'buildkit',
    manifestDigest: `sha256:${createHash('sha256').update('attestation manifest').update(subject).digest('hex')}`,
    subject,
    mediaType: IN_TOTO,
    digest: `sha256:${createHash('sha256').update(statementBytes).digest('hex')}`,
    predicateType,
    payload: statementBytes.toString('base64'),
  };
}

// ---- predicates ---------------------------------------------------------------------

export interface SourceFacts {
  repository: string;
  commit: string;
}

/** What GitHub's attest-build-provenance writes (SLSA v1, build type workflow/v1) for a workflow run. */
export function githubProvenance(source: SourceFacts, workflow = '.github/workflows/release.yml', trigger = 'push'): object {
  return {
    buildDefinition: {
      buildType: 'https://actions.github.io/buildtypes/workflow/v1',
      externalParameters: { workflow: { ref: 'refs/heads/main', repository: source.repository, path: workflow } },
      internalParameters: {
        github: { event_name: trigger, repository_id: '123456', repository_owner_id: '654321', runner_environment: 'github-hosted' },
      },
      resolvedDependencies: [{ uri: `git+${source.repository}@refs/heads/main`, digest: { gitCommit: source.commit } }],
    },
    runDetails: {
      builder: { id: 'https://github.com/actions/runner/github-hosted' },
      metadata: { invocationId: `${source.repository}/actions/runs/42/attempts/1` },
    },
  };
}

/** What BuildKit writes with `--provenance=mode=min,version=v1` in a CI job that passes vcs:source and vcs:revision. */
export function buildkitProvenanceV1(source: SourceFacts, builderId: string): object {
  return {
    buildDefinition: {
      buildType: 'https://github.com/moby/buildkit/blob/master/docs/attestations/slsa-definitions.md',
      externalParameters: { configSource: { path: 'Dockerfile' }, request: { frontend: 'dockerfile.v0', args: {} } },
      internalParameters: { builderPlatform: 'linux/amd64' },
      resolvedDependencies: [{ uri: 'pkg:docker/alpine@3.20?platform=linux%2Famd64', digest: { sha256: 'ef'.repeat(32) } }],
    },
    runDetails: {
      builder: { id: builderId },
      metadata: {
        invocationID: 'rpv7a389uzil5lqmrgwhijwjz',
        startedOn: '2026-06-01T12:00:00.123456789Z',
        finishedOn: '2026-06-01T12:03:10.5Z',
        buildkit_metadata: { vcs: { source: source.repository, revision: source.commit } },
      },
    },
  };
}

/** What BuildKit writes by default (SLSA v0.2), building a remote git context (no vcs metadata: the config source says it). */
export function buildkitProvenanceV02(source: SourceFacts, builderId: string): object {
  return {
    builder: { id: builderId },
    buildType: 'https://mobyproject.org/buildkit@v1',
    materials: [],
    invocation: {
      configSource: { uri: `${source.repository}.git#refs/heads/main`, digest: { sha1: source.commit }, entryPoint: 'Dockerfile' },
      parameters: { frontend: 'dockerfile.v0' },
      environment: { platform: 'linux/amd64' },
    },
    metadata: {
      buildStartedOn: '2026-06-01T12:00:00Z',
      buildFinishedOn: '2026-06-01T12:03:10Z',
      'https://mobyproject.org/buildkit@v1#metadata': {},
    },
  };
}

/** An SPDX 2.3 document listing these packages (what BuildKit's syft scanner and `cosign attest --type spdxjson` carry). */
export function spdxDocument(packages: readonly string[]): object {
  return {
    spdxVersion: 'SPDX-2.3',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: 'sbom',
    packages: packages.map((name, index) => ({ name, SPDXID: `SPDXRef-Package-${index}`, versionInfo: '1.0.0' })),
  };
}

/** A CycloneDX 1.5 BOM listing these components (`cosign attest --type cyclonedx`). */
export function cycloneDxBom(components: readonly string[]): object {
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    components: components.map((name) => ({ type: 'library', name, version: '1.0.0' })),
  };
}
