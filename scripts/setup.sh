#!/usr/bin/env bash
# Create (or update) the two locked environments. Cheap when nothing changed: each environment
# records the hash of the lock it was built from and is rebuilt only when that lock changes.
#   .venv-rasa  the Rasa server: requirements/rasa.lock (rasa==3.6.21 and its dependencies)
#   .venv       actions, gateway, tools and tests: requirements/app.lock + this project (editable)
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 RASA_TELEMETRY_ENABLED=false

build_env() {  # build_env DIR LOCK EXTRA...
  local dir=$1 lock=$2; shift 2
  local want; want=$(cat "$lock" "$@" 2>/dev/null | sha256sum | cut -c1-16)
  if [ -x "$dir/bin/python" ] && [ "$(cat "$dir/.lock-hash" 2>/dev/null)" = "$want" ]; then
    return 0
  fi
  local py; py=$(bash scripts/find-python310.sh)
  echo "==> setting up $dir from $lock (Python: $py)"
  local start=$SECONDS
  rm -rf "$dir"
  "$py" -m venv "$dir"
  "$dir/bin/python" -m pip install -q --upgrade "pip==26.3" "setuptools==70.3.0" "wheel==0.45.1"
  "$dir/bin/python" -m pip install -q -r "$lock"
  echo "$want" > "$dir/.lock-hash"
  echo "==> $dir ready in $((SECONDS - start)) s"
}

build_env .venv-rasa requirements/rasa.lock
build_env .venv requirements/app.lock pyproject.toml
# The project itself, editable, without touching the locked dependencies.
if ! .venv/bin/python -c 'import bot, actions, rasa_plugins' >/dev/null 2>&1 || [ ! -e .venv/bin/survivor-bot ]; then
  .venv/bin/python -m pip install -q --no-deps --no-build-isolation -e .
fi
