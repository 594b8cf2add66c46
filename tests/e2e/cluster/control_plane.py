"""etcd, kube-apiserver, kube-controller-manager and kube-scheduler."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.cluster import config, kubeconfig, pki, processes

ETCD = "etcd"
APISERVER = "kube-apiserver"
CONTROLLER_MANAGER = "kube-controller-manager"
SCHEDULER = "kube-scheduler"
COMPONENTS = (ETCD, APISERVER, CONTROLLER_MANAGER, SCHEDULER)


@dataclass(frozen=True)
class Secrets:
    """What the control plane is started with; everything lives under STATE_DIR/pki."""

    ca: pki.Credential
    service_account: pki.Credential
    apiserver: pki.Credential
    kubelet_client: pki.Credential
    admin_kubeconfig: Path
    controller_manager_kubeconfig: Path
    scheduler_kubeconfig: Path


def server_url() -> str:
    return f"https://127.0.0.1:{config.APISERVER_PORT}"


def make_secrets(node_ip: str) -> Secrets:
    directory = config.STATE_DIR / "pki"
    ca = pki.make_ca(directory)
    apiserver = pki.issue(
        ca,
        directory,
        "apiserver",
        common_name="kube-apiserver",
        server=True,
        ips=("127.0.0.1", node_ip, config.SERVICE_IP),
        dns=(
            "localhost",
            "kubernetes",
            "kubernetes.default",
            "kubernetes.default.svc",
            "kubernetes.default.svc.cluster.local",
        ),
    )
    users = {
        "admin": ("kubernetes-admin", ("system:masters",)),
        "controller-manager": ("system:kube-controller-manager", ()),
        "scheduler": ("system:kube-scheduler", ()),
    }
    kubeconfigs = {}
    for name, (user, groups) in users.items():
        credential = pki.issue(ca, directory, name, common_name=user, groups=groups)
        kubeconfigs[name] = kubeconfig.write(
            config.STATE_DIR / f"{name}.kubeconfig",
            server=server_url(),
            ca=ca.cert,
            user=user,
            credential=credential,
        )
    return Secrets(
        ca=ca,
        service_account=pki.make_service_account_key(directory),
        apiserver=apiserver,
        kubelet_client=pki.issue(
            ca,
            directory,
            "apiserver-kubelet-client",
            common_name="kube-apiserver-kubelet-client",
            groups=("system:masters",),
        ),
        admin_kubeconfig=kubeconfigs["admin"],
        controller_manager_kubeconfig=kubeconfigs["controller-manager"],
        scheduler_kubeconfig=kubeconfigs["scheduler"],
    )


def start_etcd() -> None:
    data = config.STATE_DIR / "etcd"
    shutil.rmtree(data, ignore_errors=True)
    client = f"http://127.0.0.1:{config.ETCD_CLIENT_PORT}"
    peer = f"http://127.0.0.1:{config.ETCD_PEER_PORT}"
    processes.spawn(
        ETCD,
        [
            _etcd_binary(),
            "--name=shm-e2e",
            f"--data-dir={data}",
            f"--listen-client-urls={client}",
            f"--advertise-client-urls={client}",
            f"--listen-peer-urls={peer}",
            f"--initial-advertise-peer-urls={peer}",
            f"--initial-cluster=shm-e2e={peer}",
            "--unsafe-no-fsync",
            "--quota-backend-bytes=2147483648",
            "--log-level=warn",
        ],
    )


def start_apiserver(secrets: Secrets, node_ip: str) -> None:
    binary = config.binary(config.CONTROL_PLANE_VERSION, APISERVER)
    processes.spawn(
        APISERVER,
        [
            str(binary),
            f"--etcd-servers=http://127.0.0.1:{config.ETCD_CLIENT_PORT}",
            "--bind-address=127.0.0.1",
            f"--secure-port={config.APISERVER_PORT}",
            f"--advertise-address={node_ip}",
            f"--tls-cert-file={secrets.apiserver.cert}",
            f"--tls-private-key-file={secrets.apiserver.key}",
            f"--client-ca-file={secrets.ca.cert}",
            f"--service-account-key-file={secrets.service_account.cert}",
            f"--service-account-signing-key-file={secrets.service_account.key}",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-cluster-ip-range={config.SERVICE_CIDR}",
            "--authorization-mode=Node,RBAC",
            "--enable-admission-plugins=NodeRestriction",
            "--allow-privileged=true",
            f"--kubelet-certificate-authority={secrets.ca.cert}",
            f"--kubelet-client-certificate={secrets.kubelet_client.cert}",
            f"--kubelet-client-key={secrets.kubelet_client.key}",
            "--kubelet-preferred-address-types=InternalIP",
            # 10,000-pod benchmarks create objects quickly.
            "--max-requests-inflight=800",
            "--max-mutating-requests-inflight=400",
            "--event-ttl=30m",
            _feature_gates(config.APISERVER_FEATURE_GATES),
            "--v=1",
        ],
    )


def start_controllers(secrets: Secrets) -> None:
    version = config.CONTROL_PLANE_VERSION
    processes.spawn(
        CONTROLLER_MANAGER,
        [
            str(config.binary(version, CONTROLLER_MANAGER)),
            f"--kubeconfig={secrets.controller_manager_kubeconfig}",
            f"--authentication-kubeconfig={secrets.controller_manager_kubeconfig}",
            f"--authorization-kubeconfig={secrets.controller_manager_kubeconfig}",
            "--bind-address=127.0.0.1",
            f"--secure-port={config.CONTROLLER_MANAGER_PORT}",
            "--leader-elect=false",
            "--use-service-account-credentials=true",
            f"--service-account-private-key-file={secrets.service_account.key}",
            f"--root-ca-file={secrets.ca.cert}",
            f"--service-cluster-ip-range={config.SERVICE_CIDR}",
            "--allocate-node-cidrs=false",
            # Pods of a dead test cluster are not worth waiting for.
            "--terminated-pod-gc-threshold=100",
            "--v=1",
        ],
    )
    processes.spawn(
        SCHEDULER,
        [
            str(config.binary(version, SCHEDULER)),
            f"--kubeconfig={secrets.scheduler_kubeconfig}",
            f"--authentication-kubeconfig={secrets.scheduler_kubeconfig}",
            f"--authorization-kubeconfig={secrets.scheduler_kubeconfig}",
            "--bind-address=127.0.0.1",
            f"--secure-port={config.SCHEDULER_PORT}",
            "--leader-elect=false",
            "--v=1",
        ],
    )


def stop_all() -> None:
    for name in reversed(COMPONENTS):
        processes.stop(name)


def _etcd_binary() -> str:
    found = shutil.which("etcd")
    if found is None:
        raise RuntimeError("etcd is not installed (apt-get install etcd-server)")
    return found


def _feature_gates(gates: dict[str, bool]) -> str:
    return "--feature-gates=" + ",".join(f"{name}={str(on).lower()}" for name, on in gates.items())
