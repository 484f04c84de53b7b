#!/bin/sh
# Builds an anchor-bench app (../shared/anchor-bench) as a rules_par archive, for its --extra-build:
#   --extra 'par={out}' --extra-build 'par=/work/main/bench/launch/anchor_build.sh {src} {entry} {out}'
# An optional fourth argument adds attributes to the python_binary, e.g. 'compile = False'.
# The app's sources become a Bazel package under bench/.cache/anchor/ (git-ignored) with one
# python_binary(entry_point = ENTRY); the archive is copied to OUT.
set -eu
src=$1 entry=$2 out=$3 attrs=${4:-}
here=$(cd "$(dirname "$0")/../.." && pwd)
pkg=bench/.cache/anchor/$(basename "$(dirname "$out")")_$(basename "$out" | tr -c 'A-Za-z0-9_\n' _)
rm -rf "$here/$pkg"
mkdir -p "$here/$pkg"
cp -a "$src/." "$here/$pkg/"
cat > "$here/$pkg/BUILD" <<BUILD
load("//rules:defs.bzl", "python_binary")

python_binary(
    name = "app",
    entry_point = "$entry",
    srcs = glob(["**/*.py"]),
    data = glob(["**/*"], exclude = ["**/*.py", "BUILD", "**/__pycache__/**"]),
    imports = ["."],
    imports_check = "off",
    $attrs
)
BUILD
cd "$here"
scripts/bazel build "//$pkg:app" >/dev/null 2>&1 || { scripts/bazel build "//$pkg:app" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
cp "$(scripts/bazel info bazel-bin 2>/dev/null)/$pkg/app" "$out"
chmod 755 "$out"
