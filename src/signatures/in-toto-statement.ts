import { type JsonObject, fromParsedSorted } from './ordered-json.js';
import { SignatureCheckError } from './signature-check-error.js';

/**
 * The one reader of in-toto statements, whatever holds them: a cosign v3
 * signature bundle, an attestation (cosign's `.att` layer, a bundle referrer,
 * a BuildKit attestation layer) and the conformance vectors all go through
 * it. It lives with the signatures, below the attestations, because a
 * signature bundle's statement is one too.
 */

/** What an in-toto statement says, as far as readme-gen reads it. */
export interface InTotoStatement {
  /** the predicate type the statement names; '' when it names none */
  predicateType: string;
  /** the sha256 digests it names as subjects, as sha256:<hex> */
  subjects: string[];
  /** the first subject's digest as `cosign verify` prints it (algorithm:hex); cosign signs one subject, the image */
  subjectDigest?: string;
  /** the first subject's annotations (`cosign sign -a`), keys in Go's map order: what `cosign verify` prints as optional */
  annotations: JsonObject;
  /** the predicate as JSON.parse gives it (undefined when absent): data, read by the facts readers, never trusted as text */
  predicate: unknown;
}

/** Reads a statement's bytes; one that is not a JSON object, or has malformed subject annotations, fails check (a) naming `digest`. */
export function parseStatement(payload: Buffer, digest: string): InTotoStatement {
  let statement: unknown;
  try {
    statement = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new SignatureCheckError(digest, 'a', 'the in-toto statement is not JSON');
  }
  if (!isObject(statement)) throw new SignatureCheckError(digest, 'a', 'the in-toto statement is not a JSON object');
  const subjects = (Array.isArray(statement.subject) ? statement.subject : []).filter(isObject);
  const digests = subjects.map((subject) => (isObject(subject.digest) ? subject.digest : {}));
  const parsed: InTotoStatement = {
    predicateType: typeof statement.predicateType === 'string' ? statement.predicateType : '',
    subjects: digests.flatMap((each) => (typeof each.sha256 === 'string' ? [`sha256:${each.sha256}`] : [])),
    annotations: new Map(),
    predicate: statement.predicate,
  };
  // cosign prints the first subject: its digest, and its annotations as optional.
  const [first] = subjects;
  const [algorithm, hex] =
    Object.entries(digests[0] ?? {}).find(([name]) => name === 'sha256') ?? Object.entries(digests[0] ?? {})[0] ?? [];
  if (algorithm !== undefined && typeof hex === 'string') parsed.subjectDigest = `${algorithm}:${hex}`;
  if (first?.annotations !== undefined && first.annotations !== null) {
    // cosign reads them into a protobuf Struct: anything but an object fails there.
    if (!isObject(first.annotations))
      throw new SignatureCheckError(digest, 'a', "the in-toto statement's subject annotations are not an object");
    parsed.annotations = fromParsedSorted(first.annotations) as JsonObject;
  }
  return parsed;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
