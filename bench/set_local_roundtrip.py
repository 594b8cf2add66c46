"""`set --local` two ways on the manifest corpus: edits in the text (what kubectl shm does) and
ruamel.yaml's round-trip mode, side by side.

For each corpus file with workloads and each change, it prints the lines changed outside
the /dev/shm volumes and mounts (0 is the promise), whether kubectl's own reader reads the
result as the planned objects, and the time taken; then the import cost of each. ruamel's
side gets its best chance: indentation guessed per file (load_yaml_guess_indent), quotes
kept (preserve_quotes), no line folding.

    .venv/bin/pip install ruamel.yaml   # only for this comparison; not a dependency
    .venv/bin/python bench/set_local_roundtrip.py
"""

from __future__ import annotations

import io
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kubectl_shm.manifests.decoding import (  # noqa: E402
    decode_manifest,
    encode_manifest,
    readable_text,
)
from kubectl_shm.manifests.errors import ManifestError  # noqa: E402
from kubectl_shm.manifests.files import read_manifest_files  # noqa: E402
from kubectl_shm.render.feedback import TerminalFeedback  # noqa: E402
from kubectl_shm.render.terminal import Terminal  # noqa: E402
from kubectl_shm.set.edits import apply_edits  # noqa: E402
from kubectl_shm.set.local import change_manifests  # noqa: E402
from kubectl_shm.set.plan import ShmRequest, plan_shm  # noqa: E402
from tests.unit.manifests.kubectl_reader import ensure_built, kubectl_read, same_values  # noqa: E402
from tests.unit.manifests.test_corpus_set_local import WORKLOADS, lines_outside_shm  # noqa: E402

CHANGES = {
    "2Gi --overwrite": ShmRequest("2Gi", overwrite=True),
    "--remove": ShmRequest(None, remove=True),
}


def in_text(path: Path, request: ShmRequest) -> str:
    quiet = TerminalFeedback(Terminal(stdout=io.StringIO(), stderr=io.StringIO()))
    files = read_manifest_files([str(path)], io.StringIO())
    return change_manifests(files, request, quiet, sources=[str(path)]).manifests[0].text


def with_ruamel(path: Path, request: ShmRequest) -> str:
    from ruamel.yaml import YAML
    from ruamel.yaml.util import load_yaml_guess_indent

    text = readable_text(decode_manifest(path.read_bytes(), path.name).text)
    try:  # ruamel guesses from one document: the first with content
        first = next(part for part in text.split("\n---") if part.strip(" \r\n-#"))
        _, indent, offset = load_yaml_guess_indent(first)
    except Exception:
        indent, offset = 2, 2
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 2**16
    yaml.indent(mapping=indent or 2, sequence=(indent or 2) + (offset or 0), offset=offset or 0)
    documents = list(yaml.load_all(text))
    for document in documents:
        for obj in document.get("items", [document]) if _is_list(document) else [document]:
            _change(obj, request)
    out = io.StringIO()
    yaml.dump_all(documents, out)
    return out.getvalue()


def _is_list(document: object) -> bool:
    return isinstance(document, dict) and document.get("kind") == "List"


def _change(obj: object, request: ShmRequest) -> None:
    from kubectl_shm.model.templates import find_pod_templates

    if not isinstance(obj, dict) or not find_pod_templates(obj):
        return
    plan = plan_shm(obj, request)
    for template in plan.templates:
        node = obj
        for part in template.path.split("."):
            node = node[int(part)] if isinstance(node, list) else node[part]
        apply_edits(node, template.edits)


def measure(name: str, change, path: Path, request: ShmRequest, program: Path) -> dict:
    started = time.perf_counter()
    try:
        after = change(path, request)
    except Exception as error:  # a failure is a result here
        return {"approach": name, "error": f"{type(error).__name__}: {error}"[:80]}
    seconds = time.perf_counter() - started
    before = decode_manifest(path.read_bytes(), path.name).text
    try:
        outside = lines_outside_shm(before, after, path.name)
    except ManifestError as error:
        return {"approach": name, "error": f"kubectl cannot read the result: {error}"[:80]}
    planned_text = in_text(path, request)
    with tempfile.TemporaryDirectory() as work:
        written, planned = Path(work) / "after.yaml", Path(work) / "planned.yaml"
        written.write_bytes(encode_manifest(after, "utf-8", b""))
        planned.write_bytes(encode_manifest(planned_text, "utf-8", b""))
        got, wanted = kubectl_read(program, written), kubectl_read(program, planned)
    same = got.error is None and same_values(got.documents, wanted.documents)
    return {"approach": name, "outside": len(outside), "same": same, "seconds": seconds}


def import_ms(modules: str) -> float:
    code = f"import time; t = time.perf_counter(); import {modules}; print(time.perf_counter() - t)"
    command = [sys.executable, "-c", code]
    runs = [
        float(subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=True).stdout)
        for _ in range(9)
    ]
    return statistics.median(runs) * 1000


def main() -> int:
    try:
        import ruamel.yaml  # noqa: F401
    except ImportError:
        print("needs ruamel.yaml: .venv/bin/pip install ruamel.yaml", file=sys.stderr)
        return 2
    program = ensure_built()
    totals: dict[str, dict[str, float]] = {}
    header = f"{'file':28} {'change':16} {'approach':10} {'lines outside shm':>18}"
    print(f"{header} {'kubectl reads':>14}")
    for path in WORKLOADS:
        for label, request in CHANGES.items():
            for name, change in (("text", in_text), ("ruamel", with_ruamel)):
                row = measure(name, change, path, request, program)
                total = totals.setdefault(name, {"outside": 0, "wrong": 0, "errors": 0, "files": 0})
                total["files"] += 1
                if "error" in row:
                    total["errors"] += 1
                    error = " ".join(row["error"].split())
                    print(f"{path.name:28} {label:16} {name:10} {error}")
                    continue
                total["outside"] += row["outside"]
                total["wrong"] += not row["same"]
                verdict = "as planned" if row["same"] else "DIFFERENT"
                print(f"{path.name:28} {label:16} {name:10} {row['outside']:18} {verdict:>14}")
    for name, total in totals.items():
        print(f"{name}: {total['files']:.0f} runs, {total['outside']:.0f} lines changed outside "
              f"the shm lines, {total['wrong']:.0f} read differently by kubectl, "
              f"{total['errors']:.0f} failed")  # fmt: skip
    pyyaml, both = import_ms("yaml"), import_ms("yaml, ruamel.yaml")
    print(f"import (median of 9): PyYAML {pyyaml:.1f} ms; ruamel.yaml adds {both - pyyaml:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
