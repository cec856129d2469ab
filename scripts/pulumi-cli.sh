#!/usr/bin/env bash
# Provides a `pulumi` CLI of a pinned version for the end-to-end tests, offline. Uses one on PATH when it is new
# enough (>= 3.249 for `pulumi policy analyze --file`); else builds it from the Go module proxy into a cache outside
# the repo (reused when present; one build at a time). Tries the Node.js language host too: the proxy does not serve
# it today, and the tests then do without it (docs/testing.md, "End-to-end tests"). Prints the directory holding `pulumi`
# (and `pulumi-language-nodejs` when there is one). Cold build on 2 cores: ~8.5 min; warm: instant.
#   AUDITGUARD_CACHE   cache root (default ~/.cache/auditguard)
#   PULUMI_CLI_VERSION version to build (default below)
#   AUDITGUARD_BUILD_PULUMI=1  build even when a pulumi is on PATH
set -euo pipefail

V="${PULUMI_CLI_VERSION:-3.276.0}"
MIN="3.249.0"
CACHE="${AUDITGUARD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/auditguard}"
OUT="$CACHE/pulumi-cli/v$V"
export GOFLAGS="${GOFLAGS:--mod=mod}" GOTOOLCHAIN="${GOTOOLCHAIN:-local}" CGO_ENABLED=0
export GOMODCACHE="${GOMODCACHE:-$CACHE/go/mod}" GOCACHE="${GOCACHE:-$CACHE/go/build}"

log() { echo "pulumi-cli: $*" >&2; }
version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -1)" = "$2" ]; }

# 1. An installed CLI that is new enough (and its language host next to it, if any).
if [ -z "${AUDITGUARD_BUILD_PULUMI:-}" ] && command -v pulumi >/dev/null 2>&1; then
  have="$(pulumi version 2>/dev/null | sed 's/^v//')"
  if [ -n "$have" ] && version_ge "$have" "$MIN"; then
    dirname "$(command -v pulumi)"
    exit 0
  fi
  log "pulumi on PATH is ${have:-unknown}, older than $MIN: building v$V"
fi

# 2. The cached build.
if [ -x "$OUT/pulumi" ] && [ -f "$OUT/.complete" ]; then
  echo "$OUT"
  exit 0
fi

command -v go >/dev/null 2>&1 || { log "neither a pulumi >= $MIN nor Go is available"; exit 1; }
mkdir -p "$OUT" "$CACHE/pulumi-cli/src"
# One build at a time per version (parallel test runs, CI next to a developer): the second waits for the first.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$CACHE/pulumi-cli/v$V.lock"
  flock 9
  if [ -x "$OUT/pulumi" ] && [ -f "$OUT/.complete" ]; then
    echo "$OUT"
    exit 0
  fi
fi
LDFLAGS="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$V"
started=$(date +%s)

# pkg/go.mod has replace directives, so `go install pkg@v` is refused; a wrapper module ignores them.
# pkg at tag vX names the previous sdk release: pin sdk/v3 to the same version.
cli_src="$CACHE/pulumi-cli/src/cli-v$V"
if [ ! -f "$cli_src/go.sum" ]; then
  rm -rf "$cli_src" && mkdir -p "$cli_src"
  (cd "$cli_src" && go mod init local/pulumi-cli >/dev/null 2>&1 \
    && go get -tool "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v$V" >&2 \
    && go get "github.com/pulumi/pulumi/sdk/v3@v$V" >&2)
fi
log "building pulumi v$V"
(cd "$cli_src" && go build -trimpath -tags osusergo,grpcnotrace -ldflags "$LDFLAGS" \
  -o "$OUT/pulumi.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi) >&2
mv "$OUT/pulumi.tmp" "$OUT/pulumi"
[ "$("$OUT/pulumi" version)" = "v$V" ] || { log "built pulumi does not report v$V"; exit 1; }

# The Node.js language host has no version tags: name it by the commit of the vX tag, when the proxy says it
# (Origin.Hash) and serves that module at all. Without a host, `pulumi preview` of a `runtime: nodejs` project and
# `--policy-pack <dir>` cannot run; the e2e tests then use Automation API inline programs (`--client`) and start the
# pack through an executable `--policy-pack` launcher (docs/testing.md, "End-to-end tests").
host_src="$CACHE/pulumi-cli/src/host-v$V"
host_mod="github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3"
if [ ! -x "$OUT/pulumi-language-nodejs" ]; then
  commit="$(cd "$cli_src" && go mod download -json "github.com/pulumi/pulumi/sdk/v3@v$V" \
    | sed -n 's/.*"Hash": *"\([0-9a-f]*\)".*/\1/p' | head -1)"
  if [ -z "$commit" ]; then
    log "no pulumi-language-nodejs: the module proxy gives no commit for sdk/v3@v$V (no Origin.Hash)"
  elif ! (cd "$cli_src" && go list -m "$host_mod@$commit" >/dev/null 2>&1); then
    log "no pulumi-language-nodejs: the module proxy does not serve $host_mod@$commit"
  else
    rm -rf "$host_src" && mkdir -p "$host_src"
    if (cd "$host_src" && go mod init local/pulumi-language-nodejs >/dev/null 2>&1 \
      && go get -tool "$host_mod@$commit" >&2 \
      && go get "github.com/pulumi/pulumi/pkg/v3@v$V" "github.com/pulumi/pulumi/sdk/v3@v$V" >&2 \
      && go build -trimpath -tags osusergo,grpcnotrace -ldflags "$LDFLAGS" \
        -o "$OUT/pulumi-language-nodejs" "$host_mod" >&2); then
      log "built pulumi-language-nodejs at $commit"
    else
      log "could not build pulumi-language-nodejs at $commit"
    fi
  fi
fi
log "build took $(($(date +%s) - started)) s"
touch "$OUT/.complete"
echo "$OUT"
