#!/usr/bin/env bash
# Installs the programs the tests run for real, on a fresh Debian machine where
# they are missing: the test registry is Debian's docker-registry (distribution
# 2.8), started by test/harness/registry-server.ts. Fast when all is present
# (only `command -v`), so it can run before every test run.
#
# The package's postinst would start a system registry on :5000 unless
# /usr/sbin/policy-rc.d forbids it (container images ship one); the tests do
# not use that service either way: they start their own on free ports.
set -euo pipefail

PACKAGE=docker-registry
BINARY=docker-registry

if command -v "$BINARY" >/dev/null 2>&1; then
  exit 0
fi

fail() {
  echo "ensure-test-tools: $*" >&2
  exit 1
}

if [ "$(id -u)" -ne 0 ]; then
  fail "$BINARY is missing and installing it needs root: apt-get install -y $PACKAGE"
fi
command -v apt-get >/dev/null 2>&1 || fail "$BINARY is missing and this is not a Debian-like system (no apt-get); install distribution 2.8 as $BINARY"

export DEBIAN_FRONTEND=noninteractive
echo "ensure-test-tools: installing $PACKAGE" >&2
# A fresh machine may have no package lists yet; update only when the install needs it.
if ! apt-get install -y --no-install-recommends "$PACKAGE" >/dev/null; then
  apt-get update >/dev/null || fail "apt-get update failed, so $PACKAGE cannot be installed"
  apt-get install -y --no-install-recommends "$PACKAGE" >/dev/null || fail "apt-get install $PACKAGE failed"
fi

command -v "$BINARY" >/dev/null 2>&1 || fail "$PACKAGE is installed but $BINARY is not on PATH"
