#!/bin/sh
# LCOV_MERGER of python_test (rules/private/test.bzl): collect_coverage.sh runs it after the
# test as `lcov_merger.sh --coverage_dir=DIR --output_file=FILE [other flags]`.
# __par__/_testrunner.py wrote FILE itself, with repository-relative paths; this appends any
# other LCOV a test left in DIR (*.dat, e.g. from a subprocess) and keeps FILE otherwise.
set -eu
dir= out=
for arg in "$@"; do
  case $arg in
    --coverage_dir=*) dir=${arg#--coverage_dir=} ;;
    --output_file=*) out=${arg#--output_file=} ;;
  esac
done
if [ -z "$dir" ] || [ -z "$out" ]; then
  echo "lcov_merger.sh: expected --coverage_dir=DIR and --output_file=FILE, got: $*" >&2
  exit 2
fi
find "$dir" -name '*.dat' -type f | LC_ALL=C sort | while IFS= read -r f; do
  [ "$f" -ef "$out" ] || cat "$f" >> "$out"
done
