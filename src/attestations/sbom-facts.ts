import { isObject } from '../signatures/in-toto-statement.js';
import { factText } from './fact-values.js';

/** The SBOM formats cosign (`attest --type spdxjson|cyclonedx`) and BuildKit (`--sbom`) attest, by predicate type; a versioned type (…/v2.3) is the same format. */
const SBOM_PREDICATES = [
  { format: 'SPDX', pattern: /^https:\/\/spdx\.dev\/Document(\/v\d+(\.\d+)*)?$/ },
  { format: 'CycloneDX', pattern: /^https:\/\/cyclonedx\.org\/bom(\/v\d+(\.\d+)*)?$/ },
] as const;

/** What an SBOM predicate says, as facts: its format, the format's version, how many packages it lists. */
export interface SbomContent {
  format: 'SPDX' | 'CycloneDX';
  formatVersion?: string;
  packageCount: number;
}

/**
 * Reads an SBOM predicate, or undefined when the predicate type is not one or
 * the predicate is not a JSON document (an SPDX tag-value SBOM is a string:
 * named, not read). The count is of the document's own list: SPDX's
 * `packages`, CycloneDX's top-level `components` (nested components are parts
 * of a package, not more packages).
 */
export function readSbomFacts(predicateType: string, predicate: unknown): SbomContent | undefined {
  const known = SBOM_PREDICATES.find(({ pattern }) => pattern.test(predicateType));
  if (!known || !isObject(predicate)) return undefined;
  const [version, list] =
    known.format === 'SPDX' ? [predicate.spdxVersion, predicate.packages] : [predicate.specVersion, predicate.components];
  const facts: SbomContent = { format: known.format, packageCount: Array.isArray(list) ? list.length : 0 };
  const formatVersion = factText(version);
  if (formatVersion !== undefined) facts.formatVersion = formatVersion;
  return facts;
}
