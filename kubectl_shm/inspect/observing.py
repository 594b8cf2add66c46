"""Read what a container's /dev/shm really is: df, else /proc/mounts, else the kubelet.

Each way that fails leaves a short note saying why (no df in the image, exec
forbidden, ...), so a row that stays unobserved can say what was tried.
"""

from __future__ import annotations

from dataclasses import replace

from kubectl_shm.inspect.comparison import (
    Observation,
    observe_df,
    observe_proc_mounts,
)
from kubectl_shm.kube.client import Kube
from kubectl_shm.kube.debug_container import DebugContainerFailed, start_debug_container
from kubectl_shm.kube.errors import Forbidden, KubeError, NotFound
from kubectl_shm.kube.exec import ReadCommand, run_read_command

# The client execs over a websocket, an HTTP GET: the API server authorizes it as
# `get` on pods/exec, and newer releases also check `create` (the verb of SPDY's POST).
EXEC_FORBIDDEN = "exec forbidden (needs get and create on pods/exec)"
PROXY_FORBIDDEN = "kubelet stats forbidden (needs get on nodes/proxy)"
DEBUG_FORBIDDEN = "debug container forbidden (needs patch on pods/ephemeralcontainers)"
# Time for the debug container to start, image pull included.
DEBUG_START_TIMEOUT = 60.0


def observe_by_exec(
    kube: Kube,
    *,
    namespace: str,
    pod: str,
    container: str,
    ram_bytes: int | None,
    timeout: float,
) -> Observation | tuple[str, ...]:
    """`df -k /dev/shm`, then `cat /proc/mounts`: the observation, or why neither answered.

    `ram_bytes` (the node's memory) gives the size of a tmpfs mounted without size=.
    """
    notes: list[str] = []
    for command in ReadCommand:
        try:
            output = run_read_command(
                kube,
                namespace=namespace,
                pod=pod,
                container=container,
                command=command,
                timeout=timeout,
            )
        except KubeError as error:
            notes.append(exec_refusal(error))
            break
        found = (
            observe_df(output)
            if command is ReadCommand.DF
            else observe_proc_mounts(output, ram_bytes=ram_bytes)
        )
        if isinstance(found, Observation):
            return replace(found, notes=tuple(notes))
        notes.append(found)
        if output.timed_out:
            break
    return tuple(notes)


def observe_in_debug_container(
    kube: Kube,
    *,
    namespace: str,
    pod: str,
    volume: str | None,
    image: str,
    ram_bytes: int | None,
    timeout: float,
) -> tuple[str | None, Observation | tuple[str, ...]]:
    """(the ephemeral container's name, what df in it saw or why nothing).

    The name is None when no container could be added.
    """
    try:
        name = start_debug_container(
            kube,
            namespace=namespace,
            pod=pod,
            volume=volume,
            image=image,
            timeout=max(timeout, DEBUG_START_TIMEOUT),
        )
    except DebugContainerFailed as error:
        return error.name, (str(error),)
    except KubeError as error:
        refusal = DEBUG_FORBIDDEN if isinstance(error, Forbidden) else f"debug: {_reason(error)}"
        return None, (refusal,)
    found = observe_by_exec(
        kube, namespace=namespace, pod=pod, container=name, ram_bytes=ram_bytes, timeout=timeout
    )
    if isinstance(found, Observation):
        return name, found
    return name, tuple(f"in debug container {name}: {note}" for note in found)


def exec_refusal(error: KubeError) -> str:
    """Why an exec was refused, in a few words."""
    if isinstance(error, Forbidden):
        return EXEC_FORBIDDEN
    if isinstance(error, NotFound):
        return "exec: pod or container not found"
    return f"exec failed: {_reason(error)}"


def stats_refusal(error: KubeError) -> str:
    if isinstance(error, Forbidden):
        return PROXY_FORBIDDEN
    return f"kubelet stats unavailable: {_reason(error)}"


def _reason(error: KubeError) -> str:
    """The server's words without our 'doing what' prefix."""
    return str(error).split(": ", 1)[-1]
