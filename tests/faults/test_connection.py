"""Connection faults (issue 13, "no hangs"): kubeconfigs, misbehaving API servers, exec
credential plugins, and shell completion under each of them.

Every case runs the real program in a child process (harness.py) against files or a
fake endpoint on 127.0.0.1 (endpoints.py), and must end with its exit code and one
`error:` line and nothing else on stderr (completion: no candidate, nothing on stderr,
exit 0) within its budget. Cases that would hang pass --request-timeout 2s and must
take those 2 s; a few rely on the default deadline, to prove there is one, and must
take all of it; completion relies on its own budget, inside the 5 s it promises.
The cases run a dozen at a time (FaultPool): most of them wait, on a deadline.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from kubectl_shm.cli.completion import ERROR, NO_FILE_COMP
from tests.faults import endpoints as fake
from tests.faults.connection_cases import (
    COMPLETION_FAULTS,
    PLUGIN_FAULTS,
    SERVERS,
    WIRE_FAULTS,
    Case,
    Pki,
)
from tests.faults.harness import COMPLETION, FaultPool, Outcome, check, run_fault
from tests.faults.kubeconfig_cases import KUBECONFIG_FAULTS
from tests.faults.kubeconfigs import live_kubeconfig

CASES = KUBECONFIG_FAULTS + WIRE_FAULTS + PLUGIN_FAULTS + COMPLETION_FAULTS
# Most cases wait on a socket or a deadline; a dozen at once keep 2 cores busy, not swamped.
WORKERS = 12
NO_CANDIDATES = f":{NO_FILE_COMP}\n"
GAVE_UP = f":{ERROR}\n"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    from tests.e2e.cluster.pki import issue, make_ca

    directory = tmp_path_factory.mktemp("pki")
    ca = make_ca(directory / "ca")
    server = issue(
        ca, directory, "server", common_name="127.0.0.1", ips=("127.0.0.1",), server=True
    )
    other = make_ca(directory / "other")
    return Pki(ca, server, _data(ca.cert), _data(other.cert))


def _data(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


def run_case(case: Case, tmp_path: Path, pki: Pki) -> Outcome:
    """Start the case's endpoint, write its kubeconfig, run it, stop the endpoint."""
    endpoints: list[fake.Endpoint] = []

    def prepare(directory: Path) -> dict[str, str]:
        if not case.live:
            return {}
        if case.server is None:
            url = f"{case.scheme}://127.0.0.1:{fake.closed_port()}"
        else:
            endpoints.append(SERVERS[case.server](pki))
            url = endpoints[-1].url(case.scheme)
        cluster = case.cluster.format(ca=pki.ca_data, other_ca=pki.other_ca_data)
        (directory / "config").write_text(live_kubeconfig(url, cluster=cluster, user=case.user))
        return {"KUBECONFIG": str(directory / "config")}

    try:
        return run_fault(case.fault, tmp_path, prepare=prepare)
    finally:
        for endpoint in endpoints:
            endpoint.stop()


@pytest.fixture(scope="module")
def outcomes(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, pki: Pki
) -> Iterator[FaultPool]:
    """Every selected case, all submitted at once, the ones that wait longest first."""
    chosen = (getattr(item, "callspec", None) for item in request.session.items)
    cases = (callspec.params.get("case") for callspec in chosen if callspec is not None)
    selected = {case.fault.id for case in cases if isinstance(case, Case)}
    pool = FaultPool(WORKERS)
    for case in sorted(CASES, key=_waiting_first):
        if case.fault.id in selected:
            directory = tmp_path_factory.mktemp(case.fault.id)
            pool.submit(case.fault, lambda case=case, d=directory: run_case(case, d, pki))
    yield pool
    pool.close()


def _waiting_first(case: Case) -> tuple[float, bool]:
    """The default deadlines, then completions (whose time is their promise), then the
    rest: completions start beside cases that wait, not beside a queue that computes."""
    return (-case.at_least, case.fault.program != COMPLETION)


def test_at_least_fifty_distinct_cases() -> None:
    ids = [case.fault.id for case in CASES]
    assert len(set(ids)) == len(ids) >= 50


def test_every_server_is_used() -> None:
    assert {case.server for case in CASES if case.server} == set(SERVERS)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.fault.id)
def test_connection_fault(case: Case, outcomes: FaultPool) -> None:
    outcome = outcomes.outcome(case.fault)
    check(case.fault, outcome)
    if case.fault.program == COMPLETION:
        # No candidate, only Cobra's directive: "no file completion" when the lookup
        # failed in time, "error" when the completion stopped waiting for it.
        assert outcome.stdout in (NO_CANDIDATES, GAVE_UP), f"{case.fault.id}: {outcome.stdout!r}"
    else:
        lines = outcome.stderr.splitlines()
        assert len(lines) == 1, f"{case.fault.id}: more than the error line: {lines!r}"
    assert outcome.seconds >= case.at_least, f"{case.fault.id}: over after {outcome.seconds:.1f}s"


def test_a_hanging_plugin_is_killed_with_its_children(tmp_path: Path, pki: Pki) -> None:
    case = next(c for c in PLUGIN_FAULTS if c.fault.id == "plugin-hangs-audit")
    outcome = run_case(case, tmp_path, pki)
    check(case.fault, outcome)
    for name in ("plugin.pid", "child.pid"):
        pid = int((tmp_path / name).read_text())
        assert not _running(pid), f"{name}: {pid} still running"


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie has exited; it waits to be reaped by whoever adopted it.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z")
