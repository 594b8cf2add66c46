"""What the kubelet and the runtimes really do with unusual /dev/shm specs (issue 14).

Each test names the source it follows; DESIGN section 2 has the same citations.
"""

import pytest

from kubectl_shm.model.nodes import NodeProfile
from kubectl_shm.model.runtime_shm import runtime_of
from kubectl_shm.model.sizing import Basis, ShmSource, expected_shm, with_mounted

Mi, Gi = 2**20, 2**30
NODE = NodeProfile(
    name="n",
    kubelet_version="v1.34.4",
    capacity_memory_bytes=32 * Gi,
    allocatable_memory_bytes=30 * Gi,
)


def spec(volume=None, mount_path="/dev/shm", read_only=None, resources=None, os_name=None):
    container = {"name": "main", "image": "busybox"}
    if volume is not None:
        mount = {"name": "dshm", "mountPath": mount_path}
        if read_only is not None:
            mount["readOnly"] = read_only
        container["volumeMounts"] = [mount]
    if resources:
        container["resources"] = resources
    pod = {"containers": [container]}
    if volume is not None:
        pod["volumes"] = [{"name": "dshm", **volume}]
    if os_name:
        pod["os"] = {"name": os_name}
    return pod


def only(pod, node=NODE, annotations=None):
    [container] = expected_shm(pod, node, annotations).containers
    return container


MEMORY_1G = {"emptyDir": {"medium": "Memory", "sizeLimit": "1Gi"}}


@pytest.mark.parametrize("path", ["dev/shm", "dev/shm/", "./dev/shm", "/dev/shm/", "/dev//shm"])
def test_a_relative_or_unclean_mount_path_is_still_dev_shm(path):
    # pkg/kubelet/kubelet_pods.go makeMounts -> MakeAbsolutePath: Clean("/" + path) (v1.9.0+).
    shm = only(spec(MEMORY_1G, mount_path=path))
    assert (shm.source, shm.expected_bytes) == (ShmSource.EMPTYDIR_MEMORY, Gi)


@pytest.mark.parametrize("path", ["dev/shmem", "/dev", "shm", "/dev/shm/x"])
def test_other_paths_are_not_dev_shm(path):
    assert only(spec(MEMORY_1G, mount_path=path)).source is ShmSource.RUNTIME_DEFAULT


@pytest.mark.parametrize("medium", ["memory", "MEMORY", "Ram", "tmpfs"])
def test_an_unknown_medium_stops_the_pod(medium):
    # empty_dir.go SetUpAt: exact match, else `unknown storage medium`.
    shm = only(spec({"emptyDir": {"medium": medium}}))
    assert shm.problem == (
        f'unknown storage medium "{medium}" (the kubelet knows "", Memory and HugePages)'
    )


def test_hugepages_need_a_hugepages_request():
    # empty_dir.go getPageSizeMountOption: no hugepages request -> the mount fails.
    without = only(spec({"emptyDir": {"medium": "HugePages"}}))
    assert "needs a hugepages-" in without.problem
    requested = {"requests": {"hugepages-2Mi": "1Gi"}, "limits": {"hugepages-2Mi": "1Gi"}}
    with_request = only(spec({"emptyDir": {"medium": "HugePages"}}, resources=requested))
    assert with_request.problem is None
    sized = only(spec({"emptyDir": {"medium": "HugePages-1Gi"}}, resources=requested))
    assert "hugepages-1Gi" in sized.problem


def test_a_read_only_mount_and_read_only_volume_kinds():
    # kubelet_pods.go makeMounts: ReadOnly = mount.ReadOnly || the volume's attributes;
    # secret, configMap, projected and downwardAPI are always read-only.
    assert only(spec(MEMORY_1G, read_only=True)).read_only
    assert not only(spec(MEMORY_1G, read_only=False)).read_only
    for kind in ("secret", "configMap", "projected", "downwardAPI"):
        shm = only(spec({kind: {}}))
        assert (shm.read_only, shm.detail, shm.source) == (True, kind, ShmSource.OTHER)
    assert not only(spec({"persistentVolumeClaim": {"claimName": "x"}})).read_only


def test_a_host_path_keeps_its_path():
    assert only(spec({"hostPath": {"path": "/mnt/scratch"}})).detail == "/mnt/scratch"
    assert only(spec({"hostPath": {"path": "/dev/shm"}})).detail == "/dev/shm"


@pytest.mark.parametrize(
    "node, pod_os",
    [(NODE._replace(operating_system="windows"), None), (NODE, "windows")],
)
def test_windows_has_no_tmpfs(node, pod_os):
    # empty_dir_unsupported.go + mount-utils mount_windows.go: "tmpfs" is os.MkdirAll.
    shm = only(spec(MEMORY_1G, os_name=pod_os), node=node)
    assert (shm.expected_bytes, shm.basis) == (None, Basis.WINDOWS)


CRIO_OLD = NODE._replace(container_runtime="cri-o://1.34.2")
CRIO_NEW = NODE._replace(container_runtime="cri-o://1.36.3")


def test_crio_sizes_shm_from_its_annotation():
    # cri-o server/sandbox_run_linux.go setupSandboxShm; shm-size.crio.io from v1.35.0.
    v1 = {"io.kubernetes.cri-o.ShmSize": "1Gi"}
    both = {**v1, "shm-size.crio.io": "2Gi"}
    assert (only(spec(), CRIO_OLD, v1).expected_bytes, only(spec(), CRIO_OLD, v1).basis) == (
        Gi,
        Basis.RUNTIME_ANNOTATION,
    )
    assert only(spec(), CRIO_OLD, {"shm-size.crio.io": "2Gi"}).basis is Basis.RUNTIME_DEFAULT
    assert only(spec(), CRIO_NEW, both).expected_bytes == 2 * Gi  # the new name wins
    assert only(spec(), CRIO_NEW, both).detail == "shm-size.crio.io"


def test_containerd_ignores_the_annotation():
    # containerd internal/cri/server/podsandbox: defaultShmSize, no setting.
    shm = only(
        spec(), NODE._replace(container_runtime="containerd://1.7.24"), {"shm-size.crio.io": "2Gi"}
    )
    assert (shm.expected_bytes, shm.basis) == (64 * Mi, Basis.RUNTIME_DEFAULT)
    assert runtime_of("containerd://1.7.24") == "containerd"
    assert runtime_of(None) == "containerd"


def test_an_invalid_crio_annotation_is_a_problem():
    pod = expected_shm(spec(), CRIO_NEW, {"shm-size.crio.io": "lots"})
    assert [p.field for p in pod.problems] == ["metadata.annotations[shm-size.crio.io]"]


def test_pod_level_limit_needs_the_kubelet_gate():
    # helpers_linux.go ResourceConfigForPod: SkipPodLevelResources unless the gate is on.
    pod = spec(MEMORY_1G | {"emptyDir": {"medium": "Memory", "sizeLimit": "8Gi"}})
    pod["resources"] = {"limits": {"memory": "2Gi"}}
    on = NODE._replace(gates=(("PodLevelResources", True),))
    off = NODE._replace(gates=(("PodLevelResources", False),))
    assert only(pod, on).expected_bytes == 2 * Gi
    assert only(pod, off).expected_bytes == 8 * Gi


def test_a_1_37_in_place_sizelimit_resize_is_the_sizelimit_above_the_pod_limit():
    # empty_dir_linux.go ResizeEphemeralVolume remounts size=<sizeLimit>, not capped.
    pod = spec(
        {"emptyDir": {"medium": "Memory", "sizeLimit": "3Gi"}},
        resources={"limits": {"memory": "2Gi"}},
    )
    frontier = NodeProfile(
        name="f",
        kubelet_version="v1.37.2",
        allocatable_memory_bytes=30 * Gi,
        gates=(("InPlacePodVerticalScalingMemoryBackedVolumes", True),),
    )
    [before] = expected_shm(pod, frontier).containers
    assert (before.expected_bytes, before.basis) == (2 * Gi, Basis.POD_MEMORY_LIMIT)
    [after] = with_mounted(expected_shm(pod, frontier), {"main": 3 * Gi}).containers
    assert (after.expected_bytes, after.basis, after.spec_bytes) == (3 * Gi, Basis.SIZE_LIMIT, None)
    # Without the gate the same mount is unexplained by the spec: told apart as mounted.
    plain = frontier._replace(gates=())
    [other] = with_mounted(expected_shm(pod, plain), {"main": 3 * Gi}).containers
    assert (other.basis, other.spec_bytes) == (Basis.MOUNTED, 2 * Gi)
