#!/usr/bin/env bash
# Sourced by scripts/test and scripts/run-bot (`dev`), run by deployments (`deploy`): makes .venv
# with Python 3.11+ and installs exactly the versions in the lock file, each checked against
# its hash, then the project itself (again only when pyproject.toml or the lock changed).
#   dev     requirements-dev.lock (runtime + tests, linters): what CI tests
#   deploy  requirements.lock (runtime only, the same versions)
# The lock files are made by ./scripts/lock (pip-tools); docs/deploy.md "Dependencies".
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

pick_python() {
  for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "error: Python 3.11 or newer is needed (set PYTHON=/path/to/python3.11)" >&2
  return 1
}

extras="${1:-dev}"
case "$extras" in
  dev) lock=requirements-dev.lock ;;
  deploy) lock=requirements.lock ;;
  *) echo "error: bootstrap.sh takes dev or deploy, not '$extras'" >&2; return 1 2>/dev/null || exit 1 ;;
esac
if [ ! -x .venv/bin/python ]; then
  py="$(pick_python)"
  echo "setting up .venv with $("$py" --version)" >&2
  "$py" -m venv .venv
fi
stamp=".venv/.installed-$(cat pyproject.toml "$lock" | sha256sum | cut -c1-16)-$extras"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip >&2
  # Every package pinned and hash-checked: a package missing from the lock, or a file whose
  # hash differs from the one recorded, stops the install.
  .venv/bin/python -m pip install --quiet --require-hashes -r "$lock" >&2
  .venv/bin/python -m pip install --quiet --no-deps -e . >&2
  # A dependency added to pyproject.toml without ./scripts/lock is missing now: say so.
  if ! .venv/bin/python -m pip check >&2; then
    echo "error: $lock does not cover pyproject.toml; run ./scripts/lock" >&2
    return 1 2>/dev/null || exit 1
  fi
  rm -f .venv/.installed-* && touch "$stamp"
fi
