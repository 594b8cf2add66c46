#!/usr/bin/env bash
# What the end-to-end cluster needs on this machine (Debian/Ubuntu, as root):
# containerd, runc and the CNI plugins; etcd; busybox-static and a C compiler for
# the locally built images; then the pinned Kubernetes binaries, built once with Go
# into ~/.cache/kubectl-shm/ (see tests/e2e/cluster/build.py).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(containerd runc containernetworking-plugins etcd-server busybox-static
          iproute2 iptables openssl gcc libc6-dev)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "--- installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v go >/dev/null || { echo "error: Go is needed to build the Kubernetes binaries" >&2; exit 1; }
python3 -m tests.e2e.cluster build
