#!/usr/bin/env bash
# Re-resolve both lock files from their top-level requirements in fresh environments.
#   rasa env: rasa==3.6.21 only.   app env: this project's dependencies and its [dev] extra.
set -euo pipefail
cd "$(dirname "$0")/.."
py=$(bash scripts/find-python310.sh)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$py" -m venv "$tmp/rasa"
"$tmp/rasa/bin/python" -m pip install -q "pip==26.3" "setuptools==70.3.0" "wheel==0.45.1"
"$tmp/rasa/bin/python" -m pip install -q "rasa==3.6.21"
{ echo "# Rasa server environment (Python 3.10): rasa==3.6.21 and exactly what it needs."
  echo "# Regenerate: make lock (see README). Installed by scripts/setup.sh."
  "$tmp/rasa/bin/python" -m pip freeze --exclude-editable; } > requirements/rasa.lock

"$py" -m venv "$tmp/app"
"$tmp/app/bin/python" -m pip install -q "pip==26.3" "setuptools==70.3.0" "wheel==0.45.1"
"$tmp/app/bin/python" -m pip install -q ".[dev]"
{ echo "# App environment (Python 3.10): actions, gateway, tools and tests. Never contains rasa."
  echo "# Regenerate: make lock (see README). Installed by scripts/setup.sh; the project itself is added editable."
  "$tmp/app/bin/python" -m pip freeze --exclude-editable | grep -v '^survivor-support-bot'; } > requirements/app.lock
rm -rf build ./*.egg-info
echo "locks written: requirements/rasa.lock requirements/app.lock (review the diff before committing)"
