#!/bin/sh
# bootstrap.sh - install the Debian packages modq needs to build, run and test.
# As root: apt-get update + apt-get install -y for whatever is missing.
# Otherwise: print the exact install line and fail.
set -e
# `sh tools/bootstrap.sh run` installs what building and running modq need;
# `test` (the default) adds what the test suites drive: redis-sentinel, the
# browser test (chromium, node/npm), the Akismet npm clients, libFuzzer
# (clang), openssl for the TLS test, python3-jsonschema (the integration
# harness validates every response against docs/openapi.json).
MODE=${1:-test}
PKGS="gcc make libc6-dev pkg-config libmicrohttpd-dev libjansson-dev libhiredis-dev \
libutf8proc-dev libstemmer-dev liblinear-dev libjemalloc-dev libssl-dev libcurl4-openssl-dev redis-server redis-tools \
python3 curl ${MODQ_EXTRA_PKGS:-}"
if [ "$MODE" != "run" ]; then
    PKGS="$PKGS redis-sentinel chromium nodejs openssl clang libclang-rt-14-dev python3-jsonschema"
    # npm for the browser test (tests/browser) and the Akismet clients
    # (tests/npm). Only when no npm is on PATH: the
    # NodeSource nodejs package bundles npm and conflicts with Debian's.
    command -v npm >/dev/null 2>&1 || PKGS="$PKGS npm"
fi
missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ]; then
    echo "bootstrap: installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
    echo "bootstrap: missing packages:$missing"
    echo "run as root:  apt-get update && apt-get install -y$missing"
    exit 1
fi
