#!/usr/bin/env bash
# Provides AWS's official service models (botocore's data/<service>/<api-version>/service-2.json) for the fakes
# to validate requests against. Installs a pinned botocore from PyPI (no dependencies: only its data is read)
# into a cache outside the repo, reused when present, and prints the path of its data directory.
#   AUDITGUARD_CACHE  cache root (default ~/.cache/auditguard)
#   BOTOCORE_VERSION  version to install (default below; the one moto 5.2.5's venv resolved to)
#   PYTHON            interpreter that creates the venv whose pip installs it (default python3; needs venv)
set -euo pipefail

V="${BOTOCORE_VERSION:-1.44.18}"
CACHE="${AUDITGUARD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/auditguard}"
DIR="$CACHE/botocore-$V"
DATA="$DIR/botocore/data"
PY="${PYTHON:-python3}"

log() { echo "botocore-models: $*" >&2; }
ready() { [ -f "$DIR/.complete" ] && [ -d "$DATA/cloudtrail" ]; }

# `.complete` is written last: an interrupted install is redone, never half used.
if ready; then
  echo "$DATA"
  exit 0
fi

command -v "$PY" >/dev/null 2>&1 || { log "no $PY to run pip"; exit 1; }
mkdir -p "$CACHE"
# Two test runs at once must not install over each other: one installs, the other waits and reuses.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$DIR.lock"
  flock 9
  if ready; then
    echo "$DATA"
    exit 0
  fi
fi
log "installing botocore==$V (its data only) into $DIR"
rm -rf "$DIR" "$DIR.venv"
# A private venv's pip: the system's may refuse to install at all (PEP 668, externally managed).
"$PY" -m venv "$DIR.venv" >&2
"$DIR.venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input --no-deps --no-compile \
  --target "$DIR" "botocore==$V" >&2
rm -rf "$DIR.venv"
[ -d "$DATA/config" ] && [ -d "$DATA/sts" ] || { log "botocore $V has no data/config or data/sts"; exit 1; }
touch "$DIR/.complete"
echo "$DATA"
