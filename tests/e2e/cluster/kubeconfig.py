"""Kubeconfig files for the cluster's users: admin, components and kubelets."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.cluster.pki import Credential


def write(path: Path, *, server: str, ca: Path, user: str, credential: Credential) -> Path:
    """A kubeconfig (JSON is YAML) with one cluster, user and context, all named 'shm-e2e'."""
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": "shm-e2e", "cluster": {"server": server, "certificate-authority": str(ca)}}
        ],
        "users": [
            {
                "name": user,
                "user": {
                    "client-certificate": str(credential.cert),
                    "client-key": str(credential.key),
                },
            }
        ],
        "contexts": [{"name": "shm-e2e", "context": {"cluster": "shm-e2e", "user": user}}],
        "current-context": "shm-e2e",
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path
