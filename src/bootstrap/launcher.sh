# rules_par launcher (POSIX sh). It chooses the interpreter before any Python starts, so
# picking another one costs a few stat() calls instead of a second interpreter start, and
# runs Python with -S: no site module, no site-packages (hermetic, and ~3 ms faster).
# The packager puts `#!/bin/sh`, the truncation guard (an EXIT trap naming the cut, disarmed
# only right before Python starts) and the par_* data assignments above this text, and wraps
# all but the guard in `{ ... }` (src/packager/preamble.ts): a cut copy never runs any of it.

par_find() {
  # First executable named $1 on PATH. Directories named shims (pyenv, asdf) are skipped:
  # their shell-script shims cost ~100 ms per start. PAR_PYTHON selects one explicitly.
  case $1 in */*) par_found=$1; [ -f "$1" ] && [ -x "$1" ]; return ;; esac
  par_ifs=$IFS; IFS=:
  for par_d in $PATH; do
    case $par_d in ''|*/shims|*/shims/) continue ;; esac
    if [ -f "$par_d/$1" ] && [ -x "$par_d/$1" ]; then IFS=$par_ifs; par_found=$par_d/$1; return 0; fi
  done
  IFS=$par_ifs; return 1
}

par_bad_python() {
  # The interpreter chosen is not a Python the bootstrap can run: one paragraph, as
  # __par__/_messages.py wrong_python() words it for a Python that starts but does not fit.
  trap - EXIT
  if [ -n "${PAR_PYTHON:-}" ]; then par_tried="\$PAR_PYTHON=$PAR_PYTHON (set explicitly, so nothing else is tried)"
  else par_tried="$par_first from the shebang ($par_py); python{$par_minors} on PATH (none found)"; fi
  echo "$0: ${par_label:-this program} needs Python $par_spec, but $1. Tried: $par_tried. Install a Python that satisfies $par_spec (a python3.X on PATH is found automatically), or set PAR_PYTHON to one." >&2
  exit "$2"
}

par_py=${PAR_PYTHON:-}
par_known=
par_why='$PAR_PYTHON'
if [ -n "$par_py" ]; then
  case $par_py in
    */*) par_find "$par_py" || par_bad_python "\$PAR_PYTHON=$par_py is not an executable file" 127 ;;
    *) par_found=$(command -v "$par_py") && [ -f "$par_found" ] || par_bad_python "\$PAR_PYTHON=$par_py names no executable on PATH" 127 ;;
  esac
  par_py=$par_found
else
  if par_find "$par_first"; then
    par_py=$par_found
    par_why="$par_first from the shebang, not known to fit"
    # A python3 that is the same file as an allowed python3.X beside it is known to fit.
    par_ok=
    for par_v in $par_minors; do
      if [ "${par_py%/*}/python$par_v" -ef "$par_py" ]; then par_ok=1; par_known=$par_v; par_why="$par_first from the shebang is python$par_v"; break; fi
    done
    if [ -z "$par_ok" ]; then
      for par_v in $par_minors; do
        if par_find "python$par_v"; then par_py=$par_found; par_known=$par_v; par_why="best python3.X on PATH"; break; fi
      done
    fi
  else
    for par_v in $par_minors; do
      if par_find "python$par_v"; then par_py=$par_found; par_known=$par_v; par_why="best python3.X on PATH"; break; fi
    done
  fi
fi
# $PAR_PYTHON=/usr/bin/python3 (or a python3 not known to fit) that is the build minor's
# python3.X beside it: known, so it gets the launch blob below (two stat calls).
if [ -n "$par_py" ] && [ -z "$par_known" ] && [ -n "${par_build:-}" ] && [ "${par_py%/*}/python$par_build" -ef "$par_py" ]; then
  par_known=$par_build
fi
if [ -z "$par_py" ]; then
  trap - EXIT
  echo "$0: no Python interpreter found: looked for $par_first and python{$par_minors} on PATH (shim directories skipped). This program needs Python $par_spec. Install one or set PAR_PYTHON to its path." >&2
  exit 127
fi
case ${par_py##*/} in python3.*) par_known=${par_known:-${par_py##*/python}} ;; esac
if [ -z "$par_known" ]; then
  for par_v in $par_minors; do
    if [ "${par_py%/*}/python$par_v" -ef "$par_py" ]; then par_known=$par_v; break; fi
  done
fi
# Neither named python3.X nor the same file as one: $PAR_PYTHON, or a python3 without its
# python3.X beside it. Ask it for its version first (one more start, only here), so that a
# Python 2, a program that is no Python at all, or one that prints anything else gets the
# interpreter paragraph instead of a traceback, silence or a wrong exit status.
if [ -z "$par_known" ]; then
  par_out=$("$par_py" -S -c 'import sys;sys.stdout.write("par-probe %d.%d.%d"%tuple(sys.version_info[:3]))' </dev/null 2>/dev/null)
  par_rc=$?
  case $par_out in
    "par-probe 3."[6-9].*|"par-probe 3."[1-9][0-9].*) ;;
    "par-probe "[0-9]*) par_bad_python "this is Python ${par_out#par-probe } ($par_py)" 1 ;;
    *) par_bad_python "$par_py is not a working Python interpreter (asked for its version, it exited with status $par_rc and reported none)" 1 ;;
  esac
fi

case $0 in /*) par_self=$0 ;; *) par_self=$PWD/$0 ;; esac

# In interpreter mode, leading Python options (-u, -E, -W arg, ...) belong to the
# interpreter, before the bootstrap's -c; everything from the first other word is argv.
par_n=0
if [ "${PAR_INTERPRETER:-}" = 1 ]; then
  par_skip=
  for par_a do
    if [ -n "$par_skip" ]; then par_skip=; par_n=$((par_n + 1)); continue; fi
    case $par_a in
      -[WX]) par_skip=1 ;;
      -[WX]?*|-[bBdEiIOqsSuvR]|-OO|-bb|-vv) ;;
      *) break ;;
    esac
    par_n=$((par_n + 1))
  done
fi
# The bootstrap's entry: sys.path[0] becomes the archive (not the cwd) and argv[0] stays $0.
# Every line checks the archive's length before anything else runs (one stat): a copy cut
# inside the zip stops here (SystemExit prints the message on stderr, exit status 1).
par_cut="sys.exit('%s is truncated or damaged (%d of $par_size bytes); copy it again'%(sys.argv[2],posix.stat(sys.argv[1]).st_size))"
par_chk="import sys,posix
if posix.stat(sys.argv[1]).st_size!=$par_size:$par_cut
"
par_boot="${par_chk}sys.path[0]=sys.argv[1];del sys.argv[:2];from __par__._boot import main;main()"
par_blob_words() { par_blob_at=${1:-}; par_blob_len=${2:-}; }
par_blob_words ${par_fast:-}
if [ -n "$par_blob_len" ] && [ "${par_known:-}" = "${par_build:-}" ] && [ "${PAR_LAUNCH_BLOB:-}" != 0 ]; then
  # The build interpreter: one pread of the launch blob (the archive's last entry, named by
  # par_fast) brings the bootstrap's code and zipimport's directory of the archive, so
  # nothing is imported through zipimport before the program (~0.5 ms less per start,
  # __par__/_blob_start.py, _boot.py fast()). The blob is a raw deflate stream (src/archive/
  # launch-blob.ts); zlib ignores what follows it. Kept short: Python compiles it at every start
  # (an `if` statement costs ~50k instructions, a string constant next to nothing: the
  # message is one, run only when needed). The pread asks for one byte more than the rest of
  # the archive from the blob on: getting exactly the rest is the length check (no stat;
  # marshal ignores what follows the blob). A blob that does not load in an archive of the
  # right length is damaged too: the same message, never a run (PAR_LAUNCH_BLOB=0 skips it).
  par_rest=$((par_size - par_blob_at))
  par_boot="import sys,posix,marshal as m;f=posix.open(sys.argv[1],posix.O_RDONLY|posix.O_CLOEXEC);b=posix.pread(f,$((par_rest + 1)),$par_blob_at)
try:import zlib;d=m.loads(zlib.decompress(b,-15));c=m.loads(d[1])
except Exception:b=b''
exec(c if len(b)==$par_rest else \"$par_cut\")"
  par_why="$par_why; launch blob"
# A Python whose minor is not the build one (or not known here: $PAR_PYTHON) rejects the
# shipped .pyc. Then the first line reads <cache>/bytecode/<fingerprint>-<cache_tag>/bundle
# (if <cache> is a directory of ours that others cannot write) and runs the bootstrap's
# bytecode cache from it before anything is imported: a warm launch compiles nothing (see
# __par__/_bytecode.py). The cache root is _cache.py's first choice; a path with other
# characters leaves the cache to __par__/__init__.py (compiles 3 small files per launch).
elif [ -n "${par_fp:-}" ] && [ "${par_known:-}" != "$par_build" ] && [ "${PAR_BYTECODE_CACHE:-}" != 0 ]; then
  par_bc=
  if [ -n "${PAR_ROOT:-}" ]; then par_bc=$PAR_ROOT
  else
    case ${XDG_CACHE_HOME:-} in
      /*) par_bc=$XDG_CACHE_HOME/par ;;
      *) [ -n "${HOME:-}" ] && par_bc=$HOME/.cache/par ;;
    esac
  fi
  case $par_bc in
    ''|*[!A-Za-z0-9._/+:@\ -]*) ;;
    *) par_boot="${par_chk}sys.path[0]=sys.argv[1];del sys.argv[:2]
if sys.implementation.cache_tag!='$par_tag':
 try:
  import posix,marshal,_frozen_importlib_external as f;b='$par_bc/bytecode/$par_fp-';s=posix.stat(b.rpartition('/bytecode/')[0])
  if s.st_uid==posix.getuid() and not s.st_mode&18:
   o=posix.open(b+sys.implementation.cache_tag+'/bundle',0);d=marshal.loads(posix.read(o,posix.fstat(o).st_size));posix.close(o)
   if d[0]==f.MAGIC_NUMBER:m=type(sys)('__par__._bytecode');sys.modules[m.__name__]=m;exec(d[1],m.__dict__);m.preload(b,d)
 except Exception:pass
from __par__._boot import main;main()" ;;
  esac
fi
if [ "${PAR_DEBUG_STARTUP:-}" = 1 ]; then
  echo "par: launcher chose $par_py ($par_why; allowed: python{$par_minors}; shim dirs skipped)" >&2
fi
par_i=0
for par_a do
  shift
  if [ $par_i -eq $par_n ]; then
    set -- "$@" -S -c "$par_boot" "$par_self" "$0"
  fi
  set -- "$@" "$par_a"
  par_i=$((par_i + 1))
done
if [ $par_i -eq $par_n ]; then
  set -- "$@" -S -c "$par_boot" "$par_self" "$0"
fi
trap - EXIT
exec "$par_py" "$@"
