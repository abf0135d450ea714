#!/usr/bin/env bash
# Print the path of a working Python 3.10 interpreter, or explain how to get one and fail.
# Rasa 3.6.21 (the last open-source Rasa) runs on Python 3.10 at most; both environments use 3.10.
set -euo pipefail

is_310() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' >/dev/null 2>&1; }

candidates=()
[ -n "${PYTHON310:-}" ] && candidates+=("$PYTHON310")
command -v python3.10 >/dev/null 2>&1 && candidates+=("$(command -v python3.10)")
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root 2>/dev/null || true)
  for p in "$root"/versions/3.10*/bin/python3.10; do [ -x "$p" ] && candidates+=("$p"); done
fi
for p in "$HOME"/.pyenv/versions/3.10*/bin/python3.10 /usr/bin/python3.10 /usr/local/bin/python3.10; do
  [ -x "$p" ] && candidates+=("$p")
done
if command -v uv >/dev/null 2>&1; then
  p=$(uv python find 3.10 2>/dev/null || true)
  [ -n "$p" ] && candidates+=("$p")
fi

for p in "${candidates[@]}"; do
  if is_310 "$p"; then
    # Resolve pyenv shims to the real interpreter so venvs do not depend on PYENV_VERSION.
    "$p" -c 'import sys; print(sys.executable)'
    exit 0
  fi
done

cat >&2 <<'MSG'
error: Python 3.10 not found. Rasa 3.6 needs Python 3.10 (3.11 and newer are not supported).
Install one, then run the command again:
  pyenv:  pyenv install 3.10        (https://github.com/pyenv/pyenv)
  uv:     uv python install 3.10
  Debian/Ubuntu: apt-get install python3.10 python3.10-venv   (where your release ships it)
Or point PYTHON310 at an interpreter: PYTHON310=/path/to/python3.10 make test
MSG
exit 1
