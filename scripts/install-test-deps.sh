#!/usr/bin/env bash
# System packages the tests need, from Debian: Chromium for the browser tests, Redis for the
# opt-in Redis tracker store, PostgreSQL for the opt-in statistics. Tests start their own servers on loopback; none is left running.
# Installed only when missing; needs root (as on CI and the dev machines), otherwise explains.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
  echo "error: the browser tests need: ${need[*]} (Debian: apt-get install ${need[*]})" >&2
  exit 1
fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "==> installing ${need[*]} from Debian for the tests"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
