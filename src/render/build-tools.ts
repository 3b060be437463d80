/**
 * Image builders a README can link to by name, each to its project's home.
 * built-with takes any name; these are the ones common enough to know.
 */
export const KNOWN_BUILD_TOOLS: ReadonlyMap<string, string> = new Map([
  ['apko', 'https://github.com/chainguard-dev/apko'],
  ['buildah', 'https://github.com/containers/buildah'],
  ['buildkit', 'https://github.com/moby/buildkit'],
  ['buildx', 'https://github.com/docker/buildx'],
  ['docker', 'https://docs.docker.com/build/'],
  ['jib', 'https://github.com/GoogleContainerTools/jib'],
  ['kaniko', 'https://github.com/GoogleContainerTools/kaniko'],
  ['ko', 'https://github.com/ko-build/ko'],
  ['melange', 'https://github.com/chainguard-dev/melange'],
  ['pack', 'https://github.com/buildpacks/pack'],
  ['podman', 'https://github.com/containers/podman'],
  ['rules_oci', 'https://github.com/bazel-contrib/rules_oci'],
]);

export interface BuildToolView {
  /** As configured. */
  name: string;
  /** The project's home, for a known name (matched without regard to case). */
  url?: string;
}

export function buildToolView(name: string): BuildToolView {
  const url = KNOWN_BUILD_TOOLS.get(name.toLowerCase());
  return url === undefined ? { name } : { name, url };
}
