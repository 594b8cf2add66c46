import pytest

from kubectl_shm.model.nodes import NodeProfile
from kubectl_shm.model.sizing import Basis, ShmSource, expected_shm, half_of_node_memory

Mi, Gi = 2**20, 2**30
NODE_32G = NodeProfile(
    name="n",
    kubelet_version="v1.34.4",
    capacity_memory_bytes=32 * Gi,
    allocatable_memory_bytes=30 * Gi,
)
LEGACY_32G = NodeProfile(
    name="n",
    kubelet_version="v1.31.4",
    gates=(("SizeMemoryBackedVolumes", False),),
    capacity_memory_bytes=32 * Gi,
    allocatable_memory_bytes=30 * Gi,
)


def pod(volume=None, memory=None, host_ipc=False, mount=True):
    c = {"name": "main", "image": "busybox"}
    if mount and volume is not None:
        c["volumeMounts"] = [{"name": "dshm", "mountPath": "/dev/shm"}]
    if memory:
        c["resources"] = {"limits": {"memory": memory}}
    spec = {"containers": [c]}
    if volume is not None:
        spec["volumes"] = [{"name": "dshm", **volume}]
    if host_ipc:
        spec["hostIPC"] = True
    return spec


def only(spec, node=NODE_32G):
    [container] = expected_shm(spec, node).containers
    return container


def test_no_volume_is_runtime_default_64mi():
    c = only(pod())
    assert (c.source, c.expected_bytes, c.basis) == (
        ShmSource.RUNTIME_DEFAULT,
        64 * Mi,
        Basis.RUNTIME_DEFAULT,
    )


def test_host_ipc_without_volume_is_the_hosts():
    assert only(pod(host_ipc=True)).source is ShmSource.HOST_IPC


@pytest.mark.parametrize(
    ("size_limit", "memory", "expected", "basis"),
    [
        ("256Mi", None, 256 * Mi, Basis.SIZE_LIMIT),
        ("256Mi", "128Mi", 128 * Mi, Basis.POD_MEMORY_LIMIT),
        ("256Mi", "256Mi", 256 * Mi, Basis.SIZE_LIMIT),  # ties go to sizeLimit
        (None, "1Gi", Gi, Basis.POD_MEMORY_LIMIT),
        (None, None, 30 * Gi, Basis.NODE_ALLOCATABLE),
        ("64Gi", None, 30 * Gi, Basis.NODE_ALLOCATABLE),
        ("0", "1Gi", Gi, Basis.POD_MEMORY_LIMIT),  # a zero sizeLimit is ignored
    ],
)
def test_sized_memory_volume_is_smallest_positive(size_limit, memory, expected, basis):
    empty_dir = {"medium": "Memory"}
    if size_limit:
        empty_dir["sizeLimit"] = size_limit
    c = only(pod({"emptyDir": empty_dir}, memory))
    assert (c.source, c.expected_bytes, c.basis) == (ShmSource.EMPTYDIR_MEMORY, expected, basis)


def test_gate_off_is_half_the_node_ram_whatever_the_spec_says():
    c = only(pod({"emptyDir": {"medium": "Memory", "sizeLimit": "256Mi"}}, "128Mi"), LEGACY_32G)
    assert (c.expected_bytes, c.basis, c.size_limit_bytes) == (
        16 * Gi,
        Basis.HALF_NODE_MEMORY,
        256 * Mi,
    )


@pytest.mark.parametrize(
    ("version", "gates", "sized"),
    [
        ("v1.19.2", (), False),
        ("v1.21.0", (), False),
        ("v1.21.0", (("SizeMemoryBackedVolumes", True),), True),
        ("v1.22.0", (), True),
        ("v1.31.4", (("SizeMemoryBackedVolumes", False),), False),
        ("v1.32.0", (("SizeMemoryBackedVolumes", False),), True),  # locked on from 1.32
        (None, (), True),  # unknown: a current kubelet
    ],
)
def test_gate_state_by_kubelet_version(version, gates, sized):
    assert NodeProfile(kubelet_version=version, gates=gates).sizes_memory_volumes is sized


def test_unknown_node_memory_gives_unknown_size_but_known_basis():
    c = only(pod({"emptyDir": {"medium": "Memory"}}), NodeProfile())
    assert (c.expected_bytes, c.basis) == (None, Basis.NODE_ALLOCATABLE)


@pytest.mark.parametrize(
    ("volume", "source"),
    [
        ({"emptyDir": {}}, ShmSource.EMPTYDIR_DISK),
        ({"emptyDir": {"medium": "HugePages"}}, ShmSource.OTHER),
        ({"hostPath": {"path": "/dev/shm"}}, ShmSource.HOST_PATH),
        ({"persistentVolumeClaim": {"claimName": "x"}}, ShmSource.OTHER),
    ],
)
def test_other_sources(volume, source):
    assert only(pod(volume)).source is source


def test_mount_path_spelling_and_unmounted_volume():
    spec = pod({"emptyDir": {"medium": "Memory"}})
    spec["containers"][0]["volumeMounts"][0]["mountPath"] = "/dev/shm/"
    assert only(spec).source is ShmSource.EMPTYDIR_MEMORY
    assert (
        only(pod({"emptyDir": {"medium": "Memory"}}, mount=False)).source
        is ShmSource.RUNTIME_DEFAULT
    )


def test_half_of_node_memory_is_whole_pages():
    assert half_of_node_memory(32 * Gi) == 16 * Gi
    assert half_of_node_memory(4096 * 3) == 4096
    assert half_of_node_memory(None) is None


def test_invalid_size_limit_is_a_problem_not_a_crash():
    shm = expected_shm(pod({"emptyDir": {"medium": "Memory", "sizeLimit": "2 GB"}}), NODE_32G)
    assert shm.containers[0].size_limit_bytes is None
    assert [p.value for p in shm.problems] == ["2 GB"]
