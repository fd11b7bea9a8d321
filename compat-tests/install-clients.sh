#!/usr/bin/env bash
# Installs the non-Java Kafka clients that LibrdkafkaTest and KafkajsTest drive (they skip without them):
#   kcat and python3-confluent-kafka (both on librdkafka) from Debian's packages, and the kafkajs packages
#   pinned by compat-tests/src/test/js/package-lock.json (npm ci; pure JS and WebAssembly, no native build).
# Builds the newest librdkafka (2.15.1) from source into ~/.cache/kafkalite/librdkafka-2.15.1, for LibrdkafkaTest
#   and LibrdkafkaGroupTest to run Debian's confluent-kafka and kcat a second time against it (LD_LIBRARY_PATH;
#   librdkafka.so.1 keeps its ABI). There is no newer librdkafka in Debian bookworm and no GitHub here, so the
#   source comes from the npm package @confluentinc/kafka-javascript, which ships it under deps/librdkafka
#   (pinned by version and sha256). About a minute on 2 cores the first time; skipped once built.
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
# to build librdkafka (only the codecs and TLS; no GSSAPI, no libcurl)
for tool in cc make pkg-config; do command -v "$tool" >/dev/null 2>&1 || apt_packages+=(build-essential pkg-config); done
for dev in libssl-dev zlib1g-dev libzstd-dev liblz4-dev; do
  dpkg-query -W -f='${Status}' "$dev" 2>/dev/null | grep -q 'ok installed' || apt_packages+=("$dev")
done
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

# The newest librdkafka, built once into $librdkafka_prefix (keep in sync with LibrdkafkaVersions.java).
librdkafka_version=2.15.1
librdkafka_npm=@confluentinc/kafka-javascript@1.10.1   # its deps/librdkafka is librdkafka v2.15.1
librdkafka_sha256=ada7d703bb1d3237e2292bfabf438d663b6160c9f1ac2a2406b5dc4257c81b66
librdkafka_prefix="$HOME/.cache/kafkalite/librdkafka-$librdkafka_version"
if [ "$(cat "$librdkafka_prefix/BUILT-FROM" 2>/dev/null)" != "$librdkafka_npm $librdkafka_sha256" ]; then
  build="$(mktemp -d)"
  (
    cd "$build"
    npm pack --silent "$librdkafka_npm" >/dev/null
    echo "$librdkafka_sha256  $(ls ./*.tgz)" | sha256sum -c --quiet -
    tar xzf ./*.tgz package/deps/librdkafka
    cd package/deps/librdkafka
    grep -q "^# librdkafka v$librdkafka_version\b" CHANGELOG.md
    ./configure --prefix="$librdkafka_prefix.tmp" --no-download --disable-gssapi --disable-curl --disable-debug-symbols >"$build/configure.out" 2>&1 \
      || { tail -30 "$build/configure.out" >&2; exit 1; }
    make -j"$(nproc)" -C src >"$build/make.out" 2>&1 || { tail -30 "$build/make.out" >&2; exit 1; }
    rm -rf "$librdkafka_prefix.tmp"
    make -C src install >"$build/install.out" 2>&1 || { tail -30 "$build/install.out" >&2; exit 1; }
  )
  rm -rf "$build" "$librdkafka_prefix"
  echo "$librdkafka_npm $librdkafka_sha256" >"$librdkafka_prefix.tmp/BUILT-FROM"
  mv "$librdkafka_prefix.tmp" "$librdkafka_prefix"
fi

if command -v mvn >/dev/null 2>&1; then
  mvn -q -B -f "$here/src/test/old-client/pom.xml" dependency:resolve >/dev/null
fi

# Prove each client is usable, as the tests will use it.
/usr/bin/kcat -V >/dev/null
/usr/bin/python3 -c 'import confluent_kafka' >/dev/null
[ "$(LD_LIBRARY_PATH="$librdkafka_prefix/lib" /usr/bin/python3 -c 'import confluent_kafka; print(confluent_kafka.libversion()[0])')" \
  = "$librdkafka_version" ]
LD_LIBRARY_PATH="$librdkafka_prefix/lib" /usr/bin/kcat -V | grep -q "librdkafka $librdkafka_version "
node -e "require('kafkajs'); require('kafkajs-snappy'); require('lz4js'); require('@bokuweb/zstd-wasm').init()" >/dev/null
echo "install-clients.sh: kcat, python3-confluent-kafka, librdkafka $librdkafka_version in $librdkafka_prefix" \
  "and kafkajs ($(node -p "require('kafkajs/package.json').version")) are ready"
