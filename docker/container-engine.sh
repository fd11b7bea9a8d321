#!/usr/bin/env bash
# Copied from the project's shared machine tools (../shared/tools/container-engine.sh) so that CI, on a fresh machine,
# can set up the engine that docker/build and ContainerImageTest use; one change: the netavark network backend with
# aardvark-dns, so containers on a user-defined network find each other by alias (the CNI backend Debian's Podman
# falls back to has no DNS without an extra plugin, and KafkaContainer.withListener("kafka:19092") needs it).
# A real container engine on this kind of machine (no Docker here): Podman with the runc runtime, serving the
# Docker-compatible API, so `podman build/run` and Testcontainers both work. Idempotent; run as root (or via sudo).
#   usage: eval "$(bash docker/container-engine.sh)"        # exports DOCKER_HOST, TESTCONTAINERS_RYUK_DISABLED and
#                                                             # TESTCONTAINERS_HOST_OVERRIDE
#      or: bash docker/container-engine.sh               # prints those export lines
# Why these settings: crun refuses this kernel's hybrid cgroups and container rlimits, runc works; Ryuk (the
# Testcontainers reaper container) is not needed with Podman and would need an image from a registry. Without
# TESTCONTAINERS_HOST_OVERRIDE=localhost, Testcontainers takes the bridge gateway as the host here, which cannot reach
# mapped ports of containers on a user-defined network (Network.newNetwork()).
# No image registry is reachable here: build base images locally, never `FROM some/registry-image` in what tests
# build. A recipe that works on these machines: FROM scratch + a jlink'd runtime (java.se, jdk.unsupported, ...) +
# busybox-static for sh and the small tools + /bin/bash + every library `ldd` names for bash and the JVM (including
# the /lib64 loader); such an image of Apache Kafka itself starts under Testcontainers' KafkaContainer here.
set -euo pipefail
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
if ! command -v podman >/dev/null || ! command -v runc >/dev/null || ! command -v busybox >/dev/null \
    || [ ! -x /usr/lib/podman/aardvark-dns ] || ! command -v iptables >/dev/null; then
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -qq update >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -qq install -y --no-install-recommends podman runc busybox-static \
    netavark aardvark-dns iptables >&2 # netavark sets up container networks with iptables: without it, "os error 2"
fi
conf=/etc/containers/containers.conf
sock=/run/podman/podman.sock
if ! grep -q 'runtime = "runc"' "$conf" 2>/dev/null || ! grep -q 'network_backend = "netavark"' "$conf"; then
  as_root mkdir -p /etc/containers
  printf '[containers]\ndefault_ulimits = []\n[network]\nnetwork_backend = "netavark"\n[engine]\nruntime = "runc"\n' \
    | as_root tee "$conf" >/dev/null
  # the CNI backend's bridge, if an earlier set-up left one, has netavark's default subnet and would take its routes
  if ip link show cni-podman0 >/dev/null 2>&1; then
    as_root ip link delete cni-podman0
  fi
  if curl -s -m 2 --unix-socket "$sock" http://d/_ping 2>/dev/null | grep -q OK; then
    echo "container-engine.sh: the running Podman API service keeps its old network backend until it is restarted" >&2
  fi
fi
if ! curl -s -m 2 --unix-socket "$sock" http://d/_ping 2>/dev/null | grep -q OK; then
  as_root mkdir -p /run/podman
  as_root setsid podman system service --time=0 "unix://$sock" >/run/podman/service.log 2>&1 < /dev/null &
  for _ in $(seq 1 50); do curl -s -m 1 --unix-socket "$sock" http://d/_ping 2>/dev/null | grep -q OK && break; sleep 0.2; done
fi
curl -s -m 2 --unix-socket "$sock" http://d/_ping | grep -q OK || { echo "container-engine.sh: the Podman API did not come up (see /run/podman/service.log)" >&2; exit 1; }
echo "export DOCKER_HOST=unix://$sock"
echo "export TESTCONTAINERS_RYUK_DISABLED=true"
echo "export TESTCONTAINERS_HOST_OVERRIDE=localhost"
