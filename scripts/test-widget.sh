#!/usr/bin/env bash
# The web widget's parts that need no browser (tests/widget/), under Node's own test runner: Node 20+,
# no npm packages. Without Node this is skipped locally and fails on CI (CI=true), like the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v node >/dev/null 2>&1 || ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)'; then
  if [ "${CI:-}" = "true" ]; then
    echo "error: the widget's unit tests need Node 20 or newer (Debian: apt-get install nodejs)" >&2
    exit 1
  fi
  echo "skipped: Node 20 or newer is not installed (Debian: apt-get install nodejs)"
  exit 0
fi
exec node --test tests/widget/
