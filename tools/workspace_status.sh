#!/bin/sh
# Workspace status for release stamping (docs/stamping.md). Bazel runs this at the top of
# every build that sets --workspace_status_command (see `build:release` in .bazelrc), from
# the workspace root, and reads "KEY value" lines:
#   STABLE_* keys go to stable-status.txt: a change re-runs the stamping actions (only them).
#   other keys go to volatile-status.txt: a change alone never re-runs anything.
# Never fails the build: without git, outside a checkout or before the first commit every
# SCM value is `unknown`. Copy this file into your repository and append your own STABLE_*
# keys; rules_par carries every STABLE_* key into the archive's build info.

rev=unknown
dirty=unknown
branch=unknown

if command -v git >/dev/null 2>&1 && r=$(git rev-parse --verify -q HEAD 2>/dev/null) && [ -n "$r" ]; then
  rev=$r
  # Uncommitted changes to tracked files, or untracked files that are not ignored. Bazel's
  # convenience symlinks (bazel-bin, bazel-out, ...) in the workspace root do not count.
  # --no-optional-locks: never contend for .git/index.lock with the user's own git commands.
  if changes=$(git --no-optional-locks status --porcelain 2>/dev/null); then
    if printf '%s\n' "$changes" | grep -v -e '^$' -e '^?? bazel-[^/]*/\{0,1\}$' >/dev/null; then
      dirty=true
    else
      dirty=false
    fi
  fi
  # CI jobs often check out a detached HEAD; their branch then comes from the CI's variables.
  branch=$(git symbolic-ref -q --short HEAD 2>/dev/null) ||
    branch=${GITHUB_HEAD_REF:-${GITHUB_REF_NAME:-${CI_COMMIT_REF_NAME:-${BRANCH_NAME:-${GIT_BRANCH:-}}}}}
  [ -n "$branch" ] || branch=unknown
fi

echo "STABLE_SCM_REVISION $rev"
echo "STABLE_SCM_DIRTY $dirty"
echo "STABLE_SCM_BRANCH $branch"
# Seconds since the epoch; SOURCE_DATE_EPOCH (reproducible-builds.org) wins when set.
ts=${SOURCE_DATE_EPOCH:-$(date +%s 2>/dev/null)}
[ -n "$ts" ] && echo "BUILD_TIMESTAMP $ts"
exit 0
