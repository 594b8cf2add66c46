"""Certificates for the test cluster, made with the openssl command.

One CA signs everything: the API server's serving certificate, client
certificates whose subject carries the Kubernetes user and groups (CN and O),
and each kubelet's serving certificate for the node IP.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

DAYS = "30"


@dataclass(frozen=True)
class Credential:
    cert: Path
    key: Path


def make_ca(directory: Path) -> Credential:
    directory.mkdir(parents=True, exist_ok=True)
    ca = Credential(directory / "ca.crt", directory / "ca.key")
    _openssl(
        "req",
        "-x509",
        "-new",
        "-nodes",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-keyout",
        str(ca.key),
        "-out",
        str(ca.cert),
        "-days",
        DAYS,
        "-subj",
        "/CN=kubectl-shm-e2e-ca",
    )
    return ca


def make_service_account_key(directory: Path) -> Credential:
    """The key pair that signs and verifies service-account tokens."""
    key, pub = directory / "sa.key", directory / "sa.pub"
    _openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", str(key))
    _openssl("pkey", "-in", str(key), "-pubout", "-out", str(pub))
    return Credential(pub, key)


def issue(
    ca: Credential,
    directory: Path,
    name: str,
    *,
    common_name: str,
    groups: tuple[str, ...] = (),
    ips: tuple[str, ...] = (),
    dns: tuple[str, ...] = (),
    server: bool = False,
) -> Credential:
    """A certificate for `common_name` in `groups`; with `server`, for the given IPs and names."""
    credential = Credential(directory / f"{name}.crt", directory / f"{name}.key")
    subject = "".join(f"/O={group}" for group in groups) + f"/CN={common_name}"
    csr = directory / f"{name}.csr"
    _openssl(
        "req",
        "-new",
        "-nodes",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-keyout",
        str(credential.key),
        "-out",
        str(csr),
        "-subj",
        subject,
    )
    usage = "serverAuth" if server else "clientAuth"
    extensions = [
        "basicConstraints=CA:FALSE",
        "keyUsage=critical,digitalSignature,keyEncipherment",
        f"extendedKeyUsage={usage}",
    ]
    alt_names = [f"IP:{ip}" for ip in ips] + [f"DNS:{name}" for name in dns]
    if alt_names:
        extensions.append("subjectAltName=" + ",".join(alt_names))
    extfile = directory / f"{name}.ext"
    extfile.write_text("\n".join(extensions) + "\n")
    _openssl(
        "x509",
        "-req",
        "-in",
        str(csr),
        "-CA",
        str(ca.cert),
        "-CAkey",
        str(ca.key),
        "-CAcreateserial",
        "-out",
        str(credential.cert),
        "-days",
        DAYS,
        "-extfile",
        str(extfile),
    )
    csr.unlink()
    extfile.unlink()
    return credential


def _openssl(*args: str) -> None:
    result = subprocess.run(["openssl", *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"openssl {args[0]} failed: {result.stderr.strip()}")
