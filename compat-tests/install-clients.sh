#!/usr/bin/env bash
# Installs the non-Java Kafka clients that LibrdkafkaTest and KafkajsTest drive (they skip without them):
#   kcat and python3-confluent-kafka (both on librdkafka) from Debian's packages, and the kafkajs packages
#   pinned by compat-tests/src/test/js/package-lock.json (npm ci; pure JS and WebAssembly, no native build).
# Also puts the old Java client OldJavaClientTest runs (kafka-clients 2.8.2 and its dependencies, named by
# src/test/old-client/pom.xml) into the local Maven repository, so that test can run offline later.
# Meant for a fresh Debian machine, run as root (or through sudo); safe to run again. Quiet unless it fails.
set -Eeuo pipefail
trap 'echo "install-clients.sh: FAILED at line $LINENO: $BASH_COMMAND" >&2' ERR

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
js_dir="$here/src/test/js"
export DEBIAN_FRONTEND=noninteractive

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_packages=()
[ -x /usr/bin/kcat ] || apt_packages+=(kcat)
/usr/bin/python3 -c 'import confluent_kafka' >/dev/null 2>&1 || apt_packages+=(python3-confluent-kafka)
command -v npm >/dev/null 2>&1 || apt_packages+=(nodejs npm)   # only when there is no node/npm at all
if [ "${#apt_packages[@]}" -gt 0 ]; then
  as_root apt-get -qq update
  as_root apt-get -qq install -y --no-install-recommends "${apt_packages[@]}" >/dev/null
fi

cd "$js_dir"
if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
else
  npm install --no-audit --no-fund --loglevel=error >/dev/null
fi

if command -v mvn >/dev/null 2>&1; then
  mvn -q -B -f "$here/src/test/old-client/pom.xml" dependency:resolve >/dev/null
fi

# Prove each client is usable, as the tests will use it.
/usr/bin/kcat -V >/dev/null
/usr/bin/python3 -c 'import confluent_kafka' >/dev/null
node -e "require('kafkajs'); require('kafkajs-snappy'); require('lz4js'); require('@bokuweb/zstd-wasm').init()" >/dev/null
echo "install-clients.sh: kcat, python3-confluent-kafka and kafkajs ($(node -p "require('kafkajs/package.json').version")) are ready"
