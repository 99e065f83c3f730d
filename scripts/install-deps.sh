#!/usr/bin/env bash
# Installs the Debian packages Tiny-MLOps needs to build, test and benchmark. Idempotent and
# quiet when everything is present; needs root (or sudo) only when something is missing.
set -euo pipefail

PACKAGES=(
  cmake ninja-build g++ ccache pkg-config
  lld                                     # host links: ~3x less CPU than ld.bfd on the large debug binaries
  clang                                   # libFuzzer targets (ASan + UBSan)
  flatbuffers-compiler libflatbuffers-dev # TFLite importer
  nlohmann-json3-dev libcli11-dev         # CLI
  gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib  # Cortex-M builds
  qemu-system-arm                         # Cortex-M runs
  valgrind jq                             # host instruction counts, JSON (make bench)
  libtorch-dev libeigen3-dev              # learners (host/train)
  libsodium-dev libsqlite3-dev            # signing, registry
  mosquitto libmosquitto-dev              # MQTT broker (tests, demo) and client
  libssl-dev                              # fleet CA, certificates, CRL (host/fleet, libcrypto)
  python3                                 # free loopback ports in the demo and bench scripts
  libcpp-httplib-dev prometheus sqlite3   # HTTP: serve --http (API, /metrics) and --notify-webhook; the Prometheus test; API bench baseline
  chromium chromium-driver                # the web console's browser test (headless, WebDriver on loopback)
  libpq-dev postgresql                    # registry on PostgreSQL (--db postgresql://, docs/scaling.md); its tests start a server
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
