"""What libraries print on their own (warnings, log records) reaches stderr only under -v."""

import io
import logging
import warnings

import pytest

from kubectl_shm.cli.library_output import LibraryOutput
from tests.faults import endpoints as fake
from tests.faults.kubeconfigs import live_kubeconfig


def library_noise():
    """What the Kubernetes client and urllib3 do: root-logger errors, warnings, retries."""
    logging.error("exec: process returned 1")
    logging.getLogger("urllib3.connectionpool").warning("Retrying (Retry(total=2))")
    logging.getLogger("urllib3.connectionpool").debug("Starting new HTTPS connection")
    warnings.warn("Unverified HTTPS request is being made", UserWarning, stacklevel=1)


def test_silent_by_default(capsys):
    stream = io.StringIO()
    handlers = list(logging.getLogger().handlers)
    with LibraryOutput(stream) as output:
        output.capture_logging()
        library_noise()
    assert stream.getvalue() == ""
    assert capsys.readouterr().err == ""
    assert logging.getLogger().handlers == handlers


def test_verbose_shows_warnings_and_warning_records():
    stream = io.StringIO()
    with LibraryOutput(stream) as output:
        output.show(1)
        library_noise()
    shown = stream.getvalue()
    assert "ERROR root: exec: process returned 1" in shown
    assert "WARNING urllib3.connectionpool: Retrying" in shown
    assert "WARNING py.warnings: " in shown and "Unverified HTTPS request" in shown
    assert "Starting new HTTPS connection" not in shown


def test_very_verbose_shows_every_record():
    stream = io.StringIO()
    with LibraryOutput(stream) as output:
        output.show(2)
        library_noise()
    assert "DEBUG urllib3.connectionpool: Starting new HTTPS connection" in stream.getvalue()


@pytest.fixture
def insecure_kubeconfig(tmp_path):
    """An HTTPS endpoint that answers 403, trusted with insecure-skip-tls-verify."""
    from tests.e2e.cluster.pki import make_ca

    ca = make_ca(tmp_path / "pki")
    body = fake.status_body(403, "Forbidden", "no")
    endpoint = fake.Endpoint(fake.answer(403, body), tls=fake.server_tls(str(ca.cert), str(ca.key)))
    path = tmp_path / "config"
    path.write_text(live_kubeconfig(endpoint.url(), cluster=", insecure-skip-tls-verify: true"))
    yield str(path)
    endpoint.stop()


def test_no_insecure_request_warning_on_stderr(shm, insecure_kubeconfig):
    result = shm("audit", "--kubeconfig", insecure_kubeconfig)
    assert result.status == 3
    assert result.stderr == "error: listing pods in namespace 'ml': no\n"


def test_verbose_shows_the_insecure_request_warning(shm, insecure_kubeconfig):
    result = shm("audit", "-v", "--kubeconfig", insecure_kubeconfig)
    assert result.status == 3
    assert "InsecureRequestWarning" in result.stderr


def test_no_insecure_request_warning_over_several_contexts(shm, insecure_kubeconfig):
    """kube.fleet connects each context itself: the libraries stay quiet there too."""
    import yaml

    with open(insecure_kubeconfig) as file:
        config = yaml.safe_load(file)
    first = config["contexts"][0]
    config["contexts"].append({"name": "again", "context": first["context"]})
    with open(insecure_kubeconfig, "w") as file:
        yaml.safe_dump(config, file)
    names = f"{first['name']},again"
    result = shm("audit", "--kubeconfig", insecure_kubeconfig, "--context", names, "-o", "json")
    assert result.status == 3
    assert result.stderr == ""
    verbose = shm("audit", "-v", "--kubeconfig", insecure_kubeconfig, "--context", names)
    assert "InsecureRequestWarning" in verbose.stderr
