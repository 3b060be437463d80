#!/usr/bin/env bash
# Installs the programs the tests run for real, on a fresh Debian machine where
# they are missing: Debian's docker-registry (distribution 2.8), which
# test/harness/registry-server.ts starts on free loopback ports, Debian's
# pre-commit, which the hook tests drive, nginx (the light build), the
# redirecting front of test/harness/nginx-server.ts, and squid, the HTTP proxy
# of test/harness/squid-server.ts, docker-credential-pass with pass and gpg,
# the real credential helper of the auth tests, and chromium with the DejaVu
# fonts, in which test/browser measures the README as GitHub shows it (a font
# file stands for its package). Fast when all is present (only `command -v`
# and `test -e`), so it runs before every test run.
#
# docker-registry's postinst would start a system registry on :5000 unless
# /usr/sbin/policy-rc.d forbids it (container images ship one); the tests do
# not use that service either way.
set -euo pipefail

# binary:package, or /path/of/a/file:package
NEEDED="docker-registry:docker-registry pre-commit:pre-commit nginx:nginx-light squid:squid docker-credential-pass:golang-docker-credential-helpers pass:pass gpg:gnupg chromium:chromium /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf:fonts-dejavu-core"

present() {
  case $1 in
    /*) test -e "$1" ;;
    *) command -v "$1" >/dev/null 2>&1 ;;
  esac
}

missing=()
for entry in $NEEDED; do
  present "${entry%%:*}" || missing+=("${entry##*:}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

fail() {
  echo "ensure-test-tools: $*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || fail "missing ${missing[*]}; installing needs root: apt-get install -y ${missing[*]}"
command -v apt-get >/dev/null 2>&1 || fail "missing ${missing[*]} and this is not a Debian-like system (no apt-get)"

export DEBIAN_FRONTEND=noninteractive
echo "ensure-test-tools: installing ${missing[*]}" >&2
# A fresh machine may have no package lists yet; update only when the install needs it.
if ! apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; then
  apt-get update >/dev/null || fail "apt-get update failed, so ${missing[*]} cannot be installed"
  apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null || fail "apt-get install ${missing[*]} failed"
fi

for entry in $NEEDED; do
  present "${entry%%:*}" || fail "${entry##*:} is installed but ${entry%%:*} is not there"
done
