#!/bin/sh
# Writes tests/wheels/ (git-ignored): pytest and its dependencies rebuilt from those installed
# in a Python 3.11 (tests/helpers/rebuild_wheel.py zips the installed files, checked against
# their RECORD; PyPI is not needed). tests/BUILD declares python_wheel targets for them.
#   ./make_wheels.sh [PYTHON3.11]     default: $(pyenv root)/versions/3.11.*/bin/python
set -eu
here=$(cd "$(dirname "$0")" && pwd)
py=${1:-}
if [ -z "$py" ]; then
  for p in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.11.*/bin/python; do py=$p; done
fi
[ -x "$py" ] || { echo "make_wheels.sh: no Python 3.11 with pytest found; pass one as the argument" >&2; exit 1; }
out="$here/tests/wheels"
rm -rf "$out.tmp" && mkdir -p "$out.tmp"
"$py" "$here/../../tests/helpers/rebuild_wheel.py" "$out.tmp" pytest pluggy iniconfig packaging pygments
rm -rf "$out" && mv "$out.tmp" "$out"
