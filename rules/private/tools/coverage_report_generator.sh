#!/bin/sh
# A stand-in for Bazel's --coverage_report_generator, whose default (@remote_coverage_tools)
# is downloaded: Bazel 4-6 analyse it for every test target, so an offline machine cannot
# even `bazel test` without a local one (docs/testing.md). It serves --combined_report=lcov
# too: `--reports_file=F --output_file=OUT` concatenates the LCOV files F lists into OUT
# (LCOV allows one source file in several records; genhtml merges them).
set -eu
reports= out=
for arg in "$@"; do
  case $arg in
    --reports_file=*) reports=${arg#--reports_file=} ;;
    --output_file=*) out=${arg#--output_file=} ;;
  esac
done
if [ -z "$reports" ] || [ -z "$out" ]; then
  echo "coverage_report_generator.sh: expected --reports_file=FILE and --output_file=FILE, got: $*" >&2
  exit 2
fi
: > "$out"
while IFS= read -r f; do
  [ -n "$f" ] && [ -f "$f" ] && cat "$f" >> "$out"
done < "$reports"
