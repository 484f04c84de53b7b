#!/bin/sh
# Prepares a fresh Debian machine: npm dependencies, Bazel, and the tools the tests use.
# Bazel: an existing bazel/bazelisk if it works; else bazelisk from npm if it can download
# Bazel; else Debian's bazel-bootstrap package (Bazel 4.2.3, offline).
set -eu
cd "$(dirname "$0")/.."
SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
apt_updated=
apt_install() {
  missing=
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
  [ -z "$missing" ] && return 0
  [ -n "$apt_updated" ] || { $SUDO apt-get update -q >/dev/null; apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q $missing >/dev/null
}

[ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund
apt_install zip unzip strace time hyperfine git nginx python3-coverage openssl

if ! scripts/bazel --version >/dev/null 2>&1; then
  if timeout 60 node_modules/.bin/bazelisk version >/dev/null 2>&1; then
    echo "setup: using bazelisk from npm"
  else
    echo "setup: bazelisk cannot download Bazel here; installing Debian's bazel-bootstrap"
    apt_install bazel-bootstrap
  fi
fi
scripts/bazel --version
