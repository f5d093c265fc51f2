#!/usr/bin/env bash
# Install the Debian 12 packages r5 needs to build, run and test. Idempotent:
# packages already present are not asked for again (so a warm machine skips apt).
#   deploy/install-deps.sh            build + run
#   deploy/install-deps.sh --test     also what the tests and benchmarks need
#   deploy/install-deps.sh --runtime  only what installed r5 programs need to run
#                                     (the Docker image's runtime stage): no compiler, no -dev
#   add --print to list the packages instead of installing them
set -euo pipefail

mode=build print=0
for arg in "$@"; do
  case "$arg" in
    --test) mode=test ;;
    --runtime) mode=runtime ;;
    --print) print=1 ;;
    *) echo "usage: $0 [--test | --runtime] [--print]" >&2; exit 2 ;;
  esac
done

# The shared libraries the r5-* programs link (tests/deploy/test_docker.py
# checks this list against the programs' DT_NEEDED entries).
runtime_packages=(
  libczmq4 libzmq5 libprotobuf-c1 libsodium23 libmongoc-1.0-0 libbson-1.0-0
  libjansson4 zlib1g libcivetweb1 libssl3
  ca-certificates                     # TLS to a MongoDB that requires it
)

packages=(
  build-essential cmake pkg-config
  libczmq-dev libzmq3-dev libprotobuf-c-dev protobuf-c-compiler protobuf-compiler
  libsodium-dev libmongoc-dev libbson-dev libjansson-dev zlib1g-dev libssl-dev
  # civetweb's CMake package config names /usr/bin/civetweb, shipped by the civetweb package
  libcivetweb-dev civetweb
  # the MongoDB-wire-compatible dev server
  python3-mongomock python3-mockupdb python3-pymongo
  curl
)
# The web UI's API explorer is bundled at build time (npm ci, then esbuild):
# node and npm; a newer node the machine already has is kept.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)
if [ "$mode" = runtime ]; then
  packages=("${runtime_packages[@]}")
fi
if [ "$mode" = test ]; then
  packages+=(
    clang libclang-rt-14-dev          # libFuzzer harnesses
    python3-zmq python3-protobuf      # the non-C internal client test
    wrk                               # benchmarks
    prometheus                        # promtool check metrics on every process's /metrics
    chromium                          # browser tests (driven by playwright-core from npm)
    nginx openssl                     # the TLS proxy configuration's test
    strace                            # the gateway makes no filesystem call per request
    # the deployment artifacts' checks (tests/deploy)
    systemd                           # systemd-analyze verify / security of deploy/systemd
    docker-compose python3-yaml       # docker-compose config of deploy/docker (no engine needed)
    yamllint python3-kubernetes       # deploy/k8s: lint, and its fields against the API's models
  )
  # Node.js also runs the graphql-js conformance tests and the browser tests (above).
  # kubectl runs the client-side dry run of deploy/k8s; Debian's kubernetes-client
  # conflicts with a kubectl the machine may already have from another package.
  command -v kubectl >/dev/null 2>&1 || packages+=(kubernetes-client)
fi
if [ "$print" = 1 ]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
