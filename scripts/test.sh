#!/usr/bin/env bash
# The README's test command (`npm test`; `.ci/run` is `npm ci && npm test`).
# Runs every test on the repository's Node 24 (the devDependency `node`, first
# on PATH in npm scripts), then the tests of the pure core, the signatures and
# rendering on Node 22, the other supported major. Installs what the tests run
# for real (docker-registry, pre-commit, Node 22) first.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE22_VERSION=22.23.5
# Folders whose tests need no registry, git or pre-commit, plus signatures
# (one of its tests pushes to the registry): what differs between Node majors
# is crypto, parsing and the test runner, which these cover.
NODE22_FOLDERS="config diff fs markdown render signatures state text validation"

bash scripts/ensure-test-tools.sh
node22=$(bash scripts/ensure-node.sh "$NODE22_VERSION")

major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" != 24 ]; then
  echo "test: \`node\` is $(node --version) at $(command -v node), not the repository's Node 24; run npm ci, then npm test" >&2
  exit 1
fi

npm run build
echo "test: every test on Node $(node --version) ($(command -v node))"
node --test --test-reporter=spec $(find dist/test -name '*.test.js' | sort)

echo "test: unit, signature and render tests on Node $("$node22" --version) ($node22)"
"$node22" --test --test-reporter=spec $(for folder in $NODE22_FOLDERS; do find "dist/test/$folder" -name '*.test.js'; done | sort)
