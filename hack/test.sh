#!/usr/bin/env bash
# The whole test suite: lint, unit, CLI and end-to-end tests against a real
# local cluster (built and started by the suite itself; see tests/e2e/).
# Set SHM_E2E_KUBECONFIG=path to run the end-to-end tests on an existing cluster.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet . --group dev

if [ -z "${SHM_E2E_KUBECONFIG:-}" ] && [ -f hack/e2e-deps.sh ]; then
  bash hack/e2e-deps.sh   # containerd, runc, CNI from Debian; Kubernetes built once, cached
fi

echo "--- lint"
.venv/bin/ruff check kubectl_shm tests bench hack
.venv/bin/ruff format --check kubectl_shm tests bench hack
.venv/bin/mypy
.venv/bin/lint-imports

echo "--- tests"
.venv/bin/python -m pytest "$@"
