import type { ProvenanceFacts } from './attestation-facts.js';
import { at, factCommit, factText, factTime } from './fact-values.js';

export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';
export const SLSA_PROVENANCE_V02 = 'https://slsa.dev/provenance/v0.2';
/**
 * GitHub's attest-build-provenance (artifact attestations): a workflow run, its repository and commit. The
 * slsa-framework URL is the same build type under the name it had before GitHub took it over (2023).
 */
const GITHUB_WORKFLOW_BUILD_TYPES: ReadonlySet<unknown> = new Set([
  'https://actions.github.io/buildtypes/workflow/v1',
  'https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1',
]);
/** BuildKit's own extension to SLSA v0.2's metadata, keyed by its build type. */
const BUILDKIT_V02_METADATA = 'https://mobyproject.org/buildkit@v1#metadata';

/** The provenance facts of a statement, without those of the statement itself (predicate type, subject, form, signing). */
export type ProvenanceContent = Omit<ProvenanceFacts, 'kind' | 'predicateType' | 'subject' | 'form' | 'manifestDigest' | 'signing'>;

/** Whether a predicate type is SLSA provenance readme-gen reads (v1, or v0.2). */
export function isProvenance(predicateType: string): boolean {
  return predicateType === SLSA_PROVENANCE_V1 || predicateType === SLSA_PROVENANCE_V02;
}

/**
 * Reads what a SLSA provenance predicate says of the build, each fact from
 * the one place its build type puts it (absent when the predicate says
 * nothing there, or something that is not a fact of that kind; fact-values.ts):
 *
 * - v1, GitHub's workflow build type (either URL): the workflow's repository and path
 *   (buildDefinition.externalParameters.workflow), the trigger
 *   (internalParameters.github.event_name), the commit (the git+ dependency's
 *   gitCommit among resolvedDependencies);
 * - v1, BuildKit (either of its build type URLs): the repository and commit
 *   the build client gave (runDetails.metadata.buildkit_metadata.vcs source
 *   and revision), else the remote git context it built
 *   (externalParameters.configSource uri and sha1);
 * - v0.2, BuildKit: the same from metadata["…buildkit@v1#metadata"].vcs, else
 *   invocation.configSource; a GitHub generator's: the configSource (repository,
 *   commit, and entryPoint as the workflow) and invocation.environment's
 *   github_event_name as the trigger;
 * - every build type: the builder ID and the start and finish times.
 */
export function readProvenanceFacts(predicateType: string, predicate: unknown): ProvenanceContent {
  return predicateType === SLSA_PROVENANCE_V1 ? readV1(predicate) : readV02(predicate);
}

function readV1(predicate: unknown): ProvenanceContent {
  const definition = at(predicate, 'buildDefinition');
  const metadata = at(predicate, 'runDetails', 'metadata');
  const facts: Record<string, unknown> = {
    builderId: factText(at(predicate, 'runDetails', 'builder', 'id')),
    buildStartedOn: factTime(at(metadata, 'startedOn')),
    buildFinishedOn: factTime(at(metadata, 'finishedOn')),
  };
  if (GITHUB_WORKFLOW_BUILD_TYPES.has(at(definition, 'buildType'))) {
    const workflow = at(definition, 'externalParameters', 'workflow');
    facts.sourceRepository = factText(at(workflow, 'repository'));
    facts.buildWorkflow = factText(at(workflow, 'path'));
    facts.trigger = factText(at(definition, 'internalParameters', 'github', 'event_name'));
    const dependencies = at(definition, 'resolvedDependencies');
    const source: unknown = Array.isArray(dependencies)
      ? (dependencies as unknown[]).find((dependency) => String(at(dependency, 'uri')).startsWith('git+'))
      : undefined;
    facts.sourceCommit = factCommit(at(source, 'digest', 'gitCommit'));
  } else {
    Object.assign(facts, vcsFacts(at(metadata, 'buildkit_metadata', 'vcs'), at(definition, 'externalParameters', 'configSource')));
  }
  return defined(facts);
}

function readV02(predicate: unknown): ProvenanceContent {
  const metadata = at(predicate, 'metadata');
  const configSource = at(predicate, 'invocation', 'configSource');
  const buildkit = at(metadata, BUILDKIT_V02_METADATA);
  const facts: Record<string, unknown> = {
    builderId: factText(at(predicate, 'builder', 'id')),
    buildStartedOn: factTime(at(metadata, 'buildStartedOn')),
    buildFinishedOn: factTime(at(metadata, 'buildFinishedOn')),
    ...vcsFacts(at(buildkit, 'vcs'), configSource),
  };
  // BuildKit's entryPoint is its Dockerfile, not a workflow; a CI generator's is the workflow it ran.
  if (buildkit === undefined) {
    facts.buildWorkflow = factText(at(configSource, 'entryPoint'));
    facts.trigger = factText(at(predicate, 'invocation', 'environment', 'github_event_name'));
  }
  return defined(facts);
}

/** The repository and commit: the VCS metadata when the builder has it, else the config source it built from. */
function vcsFacts(vcs: unknown, configSource: unknown): { sourceRepository?: string | undefined; sourceCommit?: string | undefined } {
  const source = factText(at(vcs, 'source'));
  if (source !== undefined) return { sourceRepository: source, sourceCommit: factCommit(at(vcs, 'revision')) };
  const uri = at(configSource, 'uri');
  return {
    sourceRepository: typeof uri === 'string' ? factText(repositoryOf(uri)) : undefined,
    sourceCommit: factCommit(at(configSource, 'digest', 'sha1') ?? at(configSource, 'digest', 'gitCommit')),
  };
}

/** A git source URI as its repository: without the git+ scheme prefix, and without the ref it names (#ref, or @refs/…). */
function repositoryOf(uri: string): string {
  return uri
    .replace(/^git\+/, '')
    .replace(/#.*$/, '')
    .replace(/@refs\/.*$/, '');
}

/** The facts that are there: an absent one is left out, not set to undefined (exactOptionalPropertyTypes). */
function defined(facts: Record<string, unknown>): ProvenanceContent {
  return Object.fromEntries(Object.entries(facts).filter(([, value]) => value !== undefined));
}
