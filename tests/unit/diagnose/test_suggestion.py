"""The suggested size: the largest need shown, a power of two, within the memory limit."""

from kubectl_shm.diagnose.suggestion import suggest_size

MI = 2**20
GI = 2**30


def test_twice_a_default_that_proved_too_small():
    found = suggest_size(
        current_bytes=64 * MI, peak_used_bytes=None, requested_bytes=(), pod_memory_limit_bytes=None
    )
    assert found.size_bytes == 128 * MI
    assert found.reasons == (
        "at least 128Mi: twice the current /dev/shm (64Mi), which the evidence shows is too small",
    )


def test_what_a_framework_asked_for_on_top_of_the_use_seen():
    found = suggest_size(
        current_bytes=64 * MI,
        peak_used_bytes=60 * MI,
        requested_bytes=(200 * MI, 10 * MI),
        pod_memory_limit_bytes=8 * GI,
    )
    assert found.size_bytes == 512 * MI
    assert found.reasons[0] == (
        "at least 260Mi: the 200Mi a framework tried to allocate on top of the 60Mi in use"
    )
    assert found.reasons[1] == "rounded up to 512Mi"
    assert not found.raise_memory_limit


def test_capped_at_the_memory_limit_and_saying_to_raise_it():
    found = suggest_size(
        current_bytes=1 * GI, peak_used_bytes=None, requested_bytes=(), pod_memory_limit_bytes=GI
    )
    assert found.size_bytes == GI
    assert found.raise_memory_limit
    assert "raise the memory limit as well" in found.reasons[-1]


def test_rounding_past_the_limit_caps_without_asking_for_more_memory():
    found = suggest_size(
        current_bytes=None,
        peak_used_bytes=700 * MI,
        requested_bytes=(),
        pod_memory_limit_bytes=900 * MI,
    )
    assert found.size_bytes == 900 * MI
    assert not found.raise_memory_limit


def test_never_below_the_runtime_default():
    found = suggest_size(
        current_bytes=None, peak_used_bytes=MI, requested_bytes=(), pod_memory_limit_bytes=None
    )
    assert found.size_bytes == 64 * MI


def test_nothing_to_go_on():
    found = suggest_size(
        current_bytes=None, peak_used_bytes=None, requested_bytes=(), pod_memory_limit_bytes=None
    )
    assert found.size_bytes is None
    assert found.reasons
