#!/usr/bin/env bash
# Fail if a model, results, a database, a virtual environment or a secret is tracked by git.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
bad_paths=$(git ls-files | grep -E '(^|/)(models/|results/|\.venv[^/]*(/|$)|\.env$|.*\.(db|sqlite3?|tar\.gz|pem|key|p12)$)' || true)
if [ -n "$bad_paths" ]; then
  echo "error: these files must never be committed (models, results, databases, environments, secrets):" >&2
  echo "$bad_paths" | sed 's/^/  /' >&2
  status=1
fi
# Telegram bot tokens look like 123456789:AA...(35 chars); private keys have a PEM header.
secrets=$(git grep -nIE '[0-9]{8,10}:AA[A-Za-z0-9_-]{33}|-----BEGIN [A-Z ]*PRIVATE KEY-----' -- . ':!scripts/guard-committed-files.sh' || true)
if [ -n "$secrets" ]; then
  echo "error: something that looks like a token or private key is committed:" >&2
  echo "$secrets" | cut -c1-80 | sed 's/^/  /' >&2
  status=1
fi
[ $status -eq 0 ] && echo "guard: no models, results, databases or secrets are committed"
exit $status
