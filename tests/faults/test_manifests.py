"""Faults in manifests (`audit -f`, `set -f ... --local`): bad YAML and JSON of every kind,
alias bombs, devices, huge and deep input, encodings, binary files, odd paths. Each ends
in one `error:` line naming the file (and line), exit 2, no traceback, nothing on stdout;
the bounded ones (bombs, /dev/zero, huge input) within a few seconds and 100 MiB of
address space. A few valid inputs the old reader refused are here too, exit 0.

Longer than our modules should be, for a reason: it is one table, a case per entry.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from tests.faults.harness import Fault, check, run_fault
from tests.unit.manifests.bombs import BOMB, MERGE_BOMB

POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: main\n"
# Plain values first, so that the aliases stay within kubectl's alias ratio; then a chain of
# aliases that nests deeper than any object, with little text.
ALIAS_CHAIN = (
    "plain: ["
    + ", ".join(["x"] * 2000)
    + "]\na0: &a0 [x]\n"
    + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 300))
)
BIG = 9 * 2**20  # past the 8 MiB a manifest may be
# Bounded faults: a few seconds on a busy machine, and no more address space than this.
FAST_SECONDS = 5.0
SMALL_MEMORY_MIB = 100


def audit(name: str) -> list[str]:
    return ["audit", "-f", f"{{tmp}}/{name}"]


def set_local(name: str, *more: str) -> list[str]:
    return ["set", "-f", f"{{tmp}}/{name}", "--local", "1Gi", *more]


def bounded(fault: Fault) -> Fault:
    return Fault(**{**fault.__dict__, "seconds": FAST_SECONDS, "memory_mib": SMALL_MEMORY_MIB})


def utf(text: str, encoding: str, bom: bytes = b"") -> bytes:
    return bom + text.encode(encoding)


FAULTS = [
    # --- YAML syntax: the line where the mistake is --------------------------------------
    Fault(
        "unclosed-double-quote",
        audit("a.yaml"),
        2,
        "a.yaml:4:9: invalid YAML: a quoted scalar that starts here is not closed",
        files={"a.yaml": POD.replace("name: p", 'name: "p')},
    ),
    Fault(
        "unclosed-single-quote",
        audit("a.yaml"),
        2,
        "a.yaml:4:9:",
        files={"a.yaml": POD.replace("name: p", "name: 'p")},
    ),
    Fault(
        "unclosed-flow-list",
        audit("a.yaml"),
        2,
        "a.yaml:3:6: invalid YAML: a flow sequence",
        files={"a.yaml": "kind: Pod\nspec:\n  x: [a, b\n  y: 1\n"},
    ),
    Fault(
        "unclosed-flow-map",
        audit("a.yaml"),
        2,
        "a.yaml:2:11: invalid YAML: a flow mapping",
        files={"a.yaml": "kind: Pod\nmetadata: {name: p\nspec: {}\n"},
    ),
    Fault(
        "bad-indentation",
        audit("a.yaml"),
        2,
        "a.yaml:4:2: invalid YAML",
        files={"a.yaml": "kind: Pod\nmetadata:\n  name: a\n spec: {}\n"},
    ),
    Fault(
        "tab-indentation",
        audit("a.yaml"),
        2,
        "a tab cannot indent YAML",
        files={"a.yaml": "kind: Pod\nmetadata:\n\tname: p\n"},
    ),
    Fault(
        "mapping-in-plain-value",
        audit("a.yaml"),
        2,
        "a.yaml:3:10: invalid YAML",
        files={"a.yaml": "kind: Pod\nmetadata:\n  name: a: b\n"},
    ),
    Fault(
        "block-scalar-bad-header",
        audit("a.yaml"),
        2,
        "a.yaml:3:10: invalid YAML",
        files={"a.yaml": "kind: Pod\nmetadata:\n  name: |x\n    p\n"},
    ),
    Fault(
        "unknown-alias",
        audit("a.yaml"),
        2,
        "unknown anchor 'nope' referenced",
        files={"a.yaml": "kind: Pod\nmetadata: *nope\n"},
    ),
    Fault(
        "anchor-in-itself",
        audit("a.yaml"),
        2,
        "anchor 'x' value contains itself",
        files={"a.yaml": "kind: Pod\nmetadata: &x\n  self: *x\n"},
    ),
    Fault(
        "separator-with-content",
        audit("a.yaml"),
        2,
        "a.yaml:2:1: invalid document separator",
        files={"a.yaml": "kind: Pod\n--- {kind: Pod}\n"},
    ),
    Fault(
        "separator-glued",
        audit("a.yaml"),
        2,
        "invalid document separator '---kind: Pod'",
        files={"a.yaml": "---kind: Pod\n"},
    ),
    Fault(
        "yaml-directive-alone",
        audit("a.yaml"),
        2,
        "a.yaml:2:1: invalid YAML",
        files={"a.yaml": "%YAML 1.1\n---\n" + POD},
    ),
    Fault(
        "merge-of-a-scalar",
        audit("a.yaml"),
        2,
        "map merge requires map",
        files={"a.yaml": "kind: Pod\nmetadata:\n  <<: 1\n"},
    ),
    Fault(
        "mapping-as-key",
        audit("a.yaml"),
        2,
        "invalid map key",
        files={"a.yaml": "kind: Pod\nmetadata:\n  ? {a: 1}\n  : v\n"},
    ),
    Fault(
        "null-key",
        audit("a.yaml"),
        2,
        "a.yaml:3:3: unsupported map key",
        files={"a.yaml": "kind: Pod\nmetadata:\n  ~: x\n"},
    ),
    Fault(
        "uint64-key",
        audit("a.yaml"),
        2,
        "unsupported map key 18446744073709551615",
        files={"a.yaml": "kind: Pod\nmetadata:\n  18446744073709551615: x\n"},
    ),
    Fault(
        "tag-that-does-not-fit",
        audit("a.yaml"),
        2,
        "cannot decode !!str `abc` as a !!int",
        files={"a.yaml": "kind: Pod\nspec:\n  replicas: !!int abc\n"},
    ),
    Fault(
        "bad-base64",
        audit("a.yaml"),
        2,
        "!!binary value contains invalid base64",
        files={"a.yaml": "kind: Secret\ndata:\n  k: !!binary '%%%'\n"},
    ),
    Fault(
        "nan-value",
        audit("a.yaml"),
        2,
        "a.yaml:3:10: JSON has no NaN or infinity",
        files={"a.yaml": "kind: Pod\nspec:\n  ratio: .nan\n"},
    ),
    Fault(
        "infinite-value",
        audit("a.yaml"),
        2,
        "JSON has no NaN or infinity",
        files={"a.yaml": "kind: Pod\nspec:\n  ratio: -.Inf\n"},
    ),
    Fault(
        "control-character",
        audit("a.yaml"),
        2,
        "control character U+0007",
        files={"a.yaml": "kind: Pod\nmetadata:\n  name: bell\x07\n"},
    ),
    Fault(
        "document-is-a-string",
        audit("a.yaml"),
        2,
        "expected a Kubernetes object, got a string",
        files={"a.yaml": "just words\n"},
    ),
    Fault(
        "document-is-a-number", audit("a.yaml"), 2, "got a number", files={"a.yaml": "---\n42\n"}
    ),
    Fault(
        "error-in-third-document",
        audit("a.yaml"),
        2,
        "a.yaml:17:7: invalid YAML: a quoted",
        files={"a.yaml": POD + "---\n" + POD + '---\nkind: "Pod\n'},
    ),
    # --- JSON ------------------------------------------------------------------------------
    Fault(
        "json-garbage-after-two",
        audit("a.json"),
        2,
        "a.json:3:10: invalid JSON",
        files={"a.json": '{"kind": "A"}\n{"kind": "B"}\n{"kind": oops}\n'},
    ),
    Fault(
        "json-then-words",
        audit("a.json"),
        2,
        "expected a Kubernetes object",
        files={"a.json": '{"kind": "ConfigMap"} trailing words\n'},
    ),
    Fault(
        "json-array-of-strings",
        audit("a.json"),
        2,
        "got a string",
        files={"a.json": '{"kind": "A"}\n["x"]\n'},
    ),
    bounded(
        Fault(
            "deep-json",
            audit("a.json"),
            2,
            "a.json:1:262: nested deeper than 256 levels",
            files={"a.json": '{"a": ' + "[" * 10_000 + "]" * 10_000 + "}"},
        )
    ),
    bounded(
        Fault(
            "deep-json-stdin",
            ["set", "-f", "-", "--local", "1Gi"],
            2,
            "<stdin>:1:",
            stdin=b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        )
    ),
    # --- deep and bombs ------------------------------------------------------------------------
    bounded(
        Fault(
            "deep-flow-yaml",
            audit("a.yaml"),
            2,
            "nested deeper than 256 levels",
            files={"a.yaml": "kind: Pod\nx: " + "[" * 5000 + "]" * 5000 + "\n"},
        )
    ),
    bounded(
        Fault(
            "deep-block-yaml",
            audit("a.yaml"),
            2,
            "nested deeper than 256 levels",
            files={"a.yaml": "kind: Pod\n" + "".join(" " * i + "a:\n" for i in range(400))},
        )
    ),
    bounded(
        Fault(
            "deep-through-aliases",
            audit("a.yaml"),
            2,
            "(through aliases)",
            files={"a.yaml": ALIAS_CHAIN},
        )
    ),
    bounded(
        Fault(
            "alias-bomb",
            audit("a.yaml"),
            2,
            "a.yaml:8:22: the YAML aliases expand too far",
            files={"a.yaml": BOMB},
        )
    ),
    bounded(
        Fault(
            "alias-bomb-set", set_local("a.yaml"), 2, "excessive aliasing", files={"a.yaml": BOMB}
        )
    ),
    bounded(
        Fault("alias-bomb-stdin", ["audit", "-f", "-"], 2, "<stdin>:8:22:", stdin=BOMB.encode())
    ),
    bounded(
        Fault(
            "merge-key-bomb", audit("a.yaml"), 2, "excessive aliasing", files={"a.yaml": MERGE_BOMB}
        )
    ),
    bounded(
        Fault(
            "bomb-in-second-document",
            audit("a.yaml"),
            2,
            "a.yaml:16:22: the YAML aliases expand too far",
            files={"a.yaml": POD + "---\n" + BOMB},
        )
    ),
    # --- size, devices, binary -------------------------------------------------------------
    bounded(
        Fault(
            "dev-zero",
            ["audit", "-f", "/dev/zero"],
            2,
            "/dev/zero:1: not YAML or JSON: it holds NUL bytes",
        )
    ),
    bounded(
        Fault("dev-urandom", ["set", "-f", "/dev/urandom", "--local", "1Gi"], 2, "/dev/urandom")
    ),
    bounded(
        Fault(
            "huge-file",
            audit("big.yaml"),
            2,
            "big.yaml: larger than 8 MiB",
            files={"big.yaml": b"a: b\n" * (BIG // 5)},
        )
    ),
    bounded(
        Fault(
            "huge-stdin",
            ["set", "-f", "-", "--local", "1Gi"],
            2,
            "<stdin>: larger than 8 MiB",
            stdin=b"a: b\n" * (BIG // 5),
        )
    ),
    bounded(Fault("huge-sparse-file", audit("sparse.yaml"), 2, "sparse.yaml:1: not YAML or JSON")),
    Fault(
        "nul-in-text",
        audit("a.yaml"),
        2,
        "a.yaml:4: not YAML or JSON: it holds NUL bytes",
        files={"a.yaml": "kind: Pod\nmetadata:\n  name: p\n  x: a\x00b\n"},
    ),
    Fault(
        "binary-png",
        audit("logo.yaml"),
        2,
        "logo.yaml:",
        files={"logo.yaml": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"},
    ),
    Fault(
        "gzip-named-yaml",
        audit("a.yaml"),
        2,
        "a binary file?",
        files={"a.yaml": b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"},
    ),
    # --- encodings --------------------------------------------------------------------------
    Fault(
        "utf32-le",
        audit("a.yaml"),
        2,
        "a.yaml: UTF-32 text (byte order mark): kubectl reads only",
        files={"a.yaml": utf(POD, "utf-32-le", b"\xff\xfe\x00\x00")},
    ),
    Fault(
        "utf32-be",
        set_local("a.yaml"),
        2,
        "UTF-32",
        files={"a.yaml": utf(POD, "utf-32-be", b"\x00\x00\xfe\xff")},
    ),
    Fault(
        "utf16-without-bom",
        audit("a.yaml"),
        2,
        "UTF-16 without a byte order mark?",
        files={"a.yaml": utf(POD, "utf-16-le")},
    ),
    Fault(
        "utf16-bad-yaml",
        audit("a.yaml"),
        2,
        "a.yaml:4:3: invalid YAML: a quoted scalar",
        files={"a.yaml": utf(POD.replace("name: p", '"p'), "utf-16-be", b"\xfe\xff")},
    ),
    # --- paths --------------------------------------------------------------------------------
    Fault("missing-file", audit("nope.yaml"), 2, "nope.yaml: no such file or directory"),
    Fault(
        "file-as-directory",
        audit("a.yaml/b.yaml"),
        2,
        "cannot read: not a directory",
        files={"a.yaml": POD},
    ),
    Fault(
        "symlink-loop",
        audit("loop.yaml"),
        2,
        "loop.yaml: cannot read: too many levels of symbolic links",
    ),
    Fault("dangling-symlink", audit("gone.yaml"), 2, "gone.yaml: no such file or directory"),
    bounded(Fault("fifo-with-bad-yaml", audit("pipe.yaml"), 2, "pipe.yaml:2:1: invalid YAML")),
    Fault(
        "directory-of-non-manifests",
        ["set", "-f", "{tmp}/d", "--local", "1Gi"],
        2,
        "no object with a pod template in",
        files={"d/notes.txt": "x", "d/x.yaml.bak": "y"},
    ),
    Fault(
        "directory-with-fifo-and-loop",
        ["set", "-f", "{tmp}/d", "--local", "1Gi"],
        2,
        "no object with a pod template in",
    ),
    Fault(
        "empty-stdin-for-set",
        ["set", "-f", "-", "--local", "1Gi"],
        2,
        "no object with a pod template in <stdin>",
        stdin=b"",
    ),
    Fault(
        "only-config-maps",
        set_local("a.yaml"),
        2,
        "no object with a pod template",
        files={"a.yaml": "kind: ConfigMap\nmetadata: {name: c}\n---\nkind: Secret\n"},
    ),
    # --- set --local in place ------------------------------------------------------------------
    Fault(
        "shared-pod-spec",
        set_local("a.yaml"),
        2,
        "a.yaml:4: cannot change this manifest in place: the pod spec is the YAML anchor &pod",
        files={
            "a.yaml": (
                "kind: List\nitems:\n"
                "- {kind: Deployment, metadata: {name: a},\n"
                "   spec: {template: {spec: &pod {containers: [{name: m}]}}}}\n"
                "- {kind: Deployment, metadata: {name: b}, spec: {template: {spec: *pod}}}\n"
            )
        },
    ),
    Fault(
        "mounts-from-merge-key",
        set_local("a.yaml"),
        2,
        "gets 'volumeMounts' from a YAML merge key",
        files={
            "a.yaml": POD.replace(
                "    - name: main\n", "    - <<: {volumeMounts: []}\n      name: main\n"
            )
        },
    ),
    # --- valid input the old reader refused or misread: exit 0, no error ------------------------
    Fault(
        "equals-sign-argument",
        set_local("a.yaml"),
        0,
        error_lines=0,
        files={"a.yaml": POD + "      args: [--sep, =]\n"},
    ),
    Fault(
        "utf16-le-with-bom",
        audit("a.yaml"),
        0,
        error_lines=0,
        files={"a.yaml": utf(POD, "utf-16-le", b"\xff\xfe")},
    ),
    Fault(
        "latin1-set-local",
        set_local("a.yaml"),
        0,
        "are not UTF-8: kubectl reads each as U+FFFD",
        error_lines=0,
        files={"a.yaml": POD.replace("name: p", "name: p # café").encode("latin-1")},
    ),
    Fault(
        "json-that-is-yaml",
        audit("a.json"),
        2,
        "nothing to audit",
        files={"a.json": '{"kind": "Pod", "metadata": {"name": "p"},}\n'},
    ),
]


def _fifo_writer(content: bytes) -> Callable[[Path], Mapping[str, str]]:
    def prepare(tmp: Path) -> Mapping[str, str]:
        os.mkfifo(tmp / "pipe.yaml")

        def write() -> None:
            with open(tmp / "pipe.yaml", "wb") as pipe:
                pipe.write(content)

        threading.Thread(target=write, daemon=True).start()
        return {}

    return prepare


def _links(tmp: Path) -> Mapping[str, str]:
    os.symlink(tmp / "loop.yaml", tmp / "loop.yaml")
    os.symlink(tmp / "missing", tmp / "gone.yaml")
    return {}


def _odd_directory(tmp: Path) -> Mapping[str, str]:
    (tmp / "d").mkdir()
    os.mkfifo(tmp / "d" / "blocked.yaml")  # read, it would wait for a writer for ever
    os.symlink(tmp / "d" / "loop.yaml", tmp / "d" / "loop.yaml")
    os.symlink(tmp / "d", tmp / "d" / "self")
    return {}


def _sparse(tmp: Path) -> Mapping[str, str]:
    with open(tmp / "sparse.yaml", "wb") as sparse:
        sparse.truncate(2**30)  # 1 GiB of zeros that take no disk
    return {}


PREPARE: dict[str, Callable[[Path], Mapping[str, str]]] = {
    "fifo-with-bad-yaml": _fifo_writer(b"a: [\n"),
    "symlink-loop": _links,
    "dangling-symlink": _links,
    "directory-with-fifo-and-loop": _odd_directory,
    "huge-sparse-file": _sparse,
}


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.id)
def test_manifest_fault(fault, tmp_path):
    outcome = run_fault(fault, tmp_path, prepare=PREPARE.get(fault.id))
    check(fault, outcome)
    if fault.error_lines:
        assert (
            f"{tmp_path}/" in outcome.stderr
            or "<stdin>" in outcome.stderr
            or "/dev/" in (outcome.stderr)
        ), f"{fault.id}: the error names no file: {outcome.stderr!r}"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file(tmp_path):
    (tmp_path / "secret.yaml").write_text(POD)
    (tmp_path / "secret.yaml").chmod(0)
    fault = Fault(
        "unreadable", audit("secret.yaml"), 2, "secret.yaml: cannot read: permission denied"
    )
    check(fault, run_fault(fault, tmp_path))


def test_there_are_many_faults():
    assert len({fault.id for fault in FAULTS}) == len(FAULTS) >= 50
