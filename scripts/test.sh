#!/usr/bin/env bash
# The README's test command (`npm test`; `.ci/run` is `npm ci && npm test`):
# lint, then the unit set (`npm run test:unit`, which is this script with
# `unit`), then every other test, all on the repository's Node 24 (the
# devDependency `node`, first on PATH in npm scripts); then the tests of the
# pure core, the signatures and rendering on Node 22, the other supported
# major. test/unit-suite.ts decides which tests are in the unit set. Installs
# what the tests run for real (docker-registry, pre-commit, Node 22) after the
# unit set, which needs none of them.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-all}
case $mode in
  all | unit) ;;
  *) echo "usage: scripts/test.sh [unit]" >&2; exit 2 ;;
esac

NODE22_VERSION=22.23.5
# Folders whose tests need no registry, git or pre-commit, plus signatures
# (one of its tests pushes to the registry): what differs between Node majors
# is crypto, parsing and the test runner, which these cover.
NODE22_FOLDERS="config diff fs http markdown render signatures state tags text validation"

major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" != 24 ]; then
  echo "test: \`node\` is $(node --version) at $(command -v node), not the repository's Node 24; run npm ci, then npm test" >&2
  exit 1
fi

if [ "$mode" = all ]; then
  echo "test: lint"
  npm run lint
fi

npm run build
echo "test: unit tests on Node $(node --version) ($(command -v node))"
# The lists are assigned first: set -e stops on a failed assignment, not on a
# failed $(…) among arguments, and node --test given no files looks everywhere.
unit=$(node dist/test/unit-suite.js unit)
# Two files at a time even on 2 cores (node's default there is one): while one
# file waits for a readme-gen it started, the other runs.
node --test --test-reporter=spec --test-concurrency="$(node -p 'Math.max(2, os.availableParallelism() - 1)')" $unit
[ "$mode" = unit ] && exit 0

bash scripts/ensure-test-tools.sh
node22=$(bash scripts/ensure-node.sh "$NODE22_VERSION")

echo "test: every other test on Node $(node --version) ($(command -v node))"
rest=$(node dist/test/unit-suite.js rest)
node --test --test-reporter=spec $rest

echo "test: unit, signature and render tests on Node $("$node22" --version) ($node22)"
"$node22" --test --test-reporter=spec $(for folder in $NODE22_FOLDERS; do find "dist/test/$folder" -name '*.test.js'; done | sort)
