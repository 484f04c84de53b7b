# rules_par launcher (POSIX sh). It chooses the interpreter before any Python starts, so
# picking another one costs a few stat() calls instead of a second interpreter start, and
# runs Python with -S: no site module, no site-packages (hermetic, and ~3 ms faster).
# The packager puts `#!/bin/sh` and the par_* data assignments above this text.

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

par_py=${PAR_PYTHON:-}
par_known=
par_why='$PAR_PYTHON'
if [ -z "$par_py" ]; then
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
  echo "$0: no Python interpreter found: looked for $par_first and python{$par_minors} on PATH (shim directories skipped). This program needs Python $par_spec. Install one or set PAR_PYTHON to its path." >&2
  exit 127
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
par_boot='import sys;sys.path[0]=sys.argv[1];del sys.argv[:2];from __par__._boot import main;main()'
case ${par_py##*/} in python3.*) par_known=${par_known:-${par_py##*/python}} ;; esac
par_blob_words() { par_blob_at=${1:-}; par_blob_len=${2:-}; }
par_blob_words ${par_fast:-}
if [ -n "$par_blob_len" ] && [ "${par_known:-}" = "${par_build:-}" ] && [ "${PAR_LAUNCH_BLOB:-}" != 0 ]; then
  # The build interpreter: one pread of the launch blob (the archive's last entry, named by
  # par_fast) brings the bootstrap's code and zipimport's directory of the archive, so
  # nothing is imported through zipimport before the program (~0.5 ms less per start,
  # __par__/_blob_start.py, _boot.py fast()). Any failure to read it takes the zipimport
  # way, whose errors are the ones to show. Kept short: Python compiles it at every start.
  par_boot="import sys,posix,marshal as m;f=posix.open(sys.argv[1],posix.O_RDONLY|posix.O_CLOEXEC)
try:d=m.loads(posix.pread(f,$par_blob_len,$par_blob_at));c=m.loads(d[1])
except Exception:c='sys.path[0]=sys.argv[1];del sys.argv[:2];from __par__._boot import main;main()'
exec(c)"
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
    *) par_boot="import sys;sys.path[0]=sys.argv[1];del sys.argv[:2]
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
exec "$par_py" "$@"
exit 127
