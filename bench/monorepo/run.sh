#!/bin/sh
# Packaging time of examples/monorepo (issue 2): a cold build in a fresh output base, a no-op
# rebuild, and a rebuild after a one-line change to a shared library. Works on a copy of the
# repository (the change never touches the checkout) and prints the wall times and which
# actions ran, from Bazel's own summary line.
#   bench/monorepo/run.sh [ROUNDS]      default 3 rounds; prints medians
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
rounds=${1:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/par-bench-monorepo.XXXXXX")
trap 'cd /; "$here/scripts/bazel" --output_base="$work/ob" shutdown >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
mkdir "$work/src"
# A frozen copy: git's view of the tree (tracked + untracked, not ignored), as in CI.
(cd "$here" && git ls-files -co --exclude-standard -z | xargs -0 tar -cf -) | tar -xf - -C "$work/src"
ln -s "$here/node_modules" "$work/src/node_modules"
cd "$work/src"
bz() { "$here/scripts/bazel" --output_base="$work/ob" "$@"; }
now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
lib=examples/monorepo/libs/words/tokens.py
[ -f "$lib" ] || lib=$(ls examples/monorepo/libs/*/*.py examples/monorepo/libs/*/*/*.py 2>/dev/null | head -n 1)
: >"$work/cold"; : >"$work/noop"; : >"$work/edit"
i=0
while [ "$i" -lt "$rounds" ]; do
  bz clean --expunge >/dev/null 2>&1 || true
  bz info output_base >/dev/null 2>&1   # server start-up is not packaging time
  t=$(now); bz build //examples/monorepo/... >"$work/log" 2>&1; awk -v a="$(now)" -v b="$t" 'BEGIN {printf "%.2f\n", a - b}' >>"$work/cold"
  cold_sum=$(grep -o '[0-9]* processes[^.]*' "$work/log" | tail -n 1)
  t=$(now); bz build //examples/monorepo/... >"$work/log" 2>&1; awk -v a="$(now)" -v b="$t" 'BEGIN {printf "%.2f\n", a - b}' >>"$work/noop"
  echo "# bench edit $i" >>"$lib"
  t=$(now); bz build //examples/monorepo/... >"$work/log" 2>&1; awk -v a="$(now)" -v b="$t" 'BEGIN {printf "%.2f\n", a - b}' >>"$work/edit"
  edit_sum=$(grep -o '[0-9]* processes[^.]*' "$work/log" | tail -n 1)
  i=$((i + 1))
done
echo "examples/monorepo packaging, median of $rounds (wall seconds, server already running):"
echo "  cold build (fresh output base):      $(median <"$work/cold") s   [$cold_sum]"
echo "  no-op rebuild:                       $(median <"$work/noop") s"
echo "  one-line change in $lib: $(median <"$work/edit") s   [$edit_sum]"
