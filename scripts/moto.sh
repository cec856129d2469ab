#!/usr/bin/env bash
# Provides moto's server (an independent AWS emulator, `moto[server]` from PyPI) of a pinned version for the tests.
# Installs it into a Python virtual environment in a cache outside the repo, reused when present, and prints the
# path of the `moto_server` executable.
#   AUDITGUARD_CACHE  cache root (default ~/.cache/auditguard)
#   MOTO_VERSION      version to install (default below)
#   PYTHON            interpreter that creates the venv (default python3; needs the venv module, Python >= 3.9)
set -euo pipefail

V="${MOTO_VERSION:-5.2.5}"
CACHE="${AUDITGUARD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/auditguard}"
VENV="$CACHE/moto-venv-$V"
PY="${PYTHON:-python3}"

log() { echo "moto: $*" >&2; }

# `.complete` is written last: an interrupted install is redone, never half used.
if [ -x "$VENV/bin/moto_server" ] && [ -f "$VENV/.complete" ]; then
  echo "$VENV/bin/moto_server"
  exit 0
fi

command -v "$PY" >/dev/null 2>&1 || { log "no $PY to create the virtual environment"; exit 1; }
mkdir -p "$CACHE"
# Two test runs at once must not install over each other: one installs, the other waits and reuses.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$VENV.lock"
  flock 9
  if [ -x "$VENV/bin/moto_server" ] && [ -f "$VENV/.complete" ]; then
    echo "$VENV/bin/moto_server"
    exit 0
  fi
fi
log "installing moto[server]==$V into $VENV"
rm -rf "$VENV"
"$PY" -m venv "$VENV" >&2
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input "moto[server]==$V" >&2
"$VENV/bin/moto_server" --help >/dev/null
touch "$VENV/.complete"
echo "$VENV/bin/moto_server"
