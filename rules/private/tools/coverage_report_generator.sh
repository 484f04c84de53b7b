#!/bin/sh
# A stand-in for Bazel's --coverage_report_generator, whose default (@remote_coverage_tools)
# is downloaded: Bazel 4-6 analyse it for every test target, so an offline machine cannot
# even `bazel test` without a local one (docs/testing.md). It serves --combined_report=lcov:
# `--reports_file=F --output_file=OUT` merges the LCOV files F lists (each test's report and
# the baseline of every instrumented target) into one record per source file, hit counts
# summed per line, files and lines sorted.
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
tab=$(printf '\t')
while IFS= read -r f; do
  if [ -n "$f" ] && [ -f "$f" ]; then cat "$f"; fi
done < "$reports" | awk '
  /^SF:/ { sf = substr($0, 4); files[sf] = 1; next }
  /^DA:/ { split(substr($0, 4), a, ","); hits[sf "\t" a[1]] += a[2] }
  END {
    for (k in hits) print k "\t" hits[k]
    for (f in files) print f "\t0\t-"
  }
' | LC_ALL=C sort -t "$tab" -k1,1 -k2,2n | awk -F '\t' '
  function close_record() { print "LH:" lh; print "LF:" lf; print "end_of_record" }
  $1 != cur { if (cur != "") close_record(); cur = $1; lh = 0; lf = 0; print "SF:" cur }
  $3 != "-" { print "DA:" $2 "," $3; lf++; if ($3 > 0) lh++ }
  END { if (cur != "") close_record() }
' > "$out"
