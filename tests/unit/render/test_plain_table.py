"""The table and findings written as text look exactly as rich draws them."""

import io
import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.padding import Padding
from rich.text import Text

from kubectl_shm.render.audit_findings import INDENT, _wrapped
from kubectl_shm.render.plain_table import (
    Column,
    Row,
    plain_widths,
    rich_table,
    write_plain_table,
)

COLUMNS = [
    Column("NAMESPACE", no_wrap=True),
    Column("WORKLOAD", overflow="fold", min_width=16),
    Column("GETS", justify="right", no_wrap=True),
    Column("FINDINGS", overflow="fold", min_width=10),
]
ANSI = re.compile(r"\x1b\[[0-9;]*m")
printable = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30)
styles = st.sampled_from([None, "bold red", "yellow", "cyan"])
rows = st.lists(
    st.tuples(st.lists(printable, min_size=4, max_size=4), styles).map(lambda r: Row(*r)),
    max_size=12,
)


def console(width, *, terminal=False):
    return Console(
        file=io.StringIO(),
        width=width,
        markup=False,
        highlight=False,
        emoji=False,
        force_terminal=terminal,
        no_color=not terminal,
        color_system="truecolor" if terminal else None,
        soft_wrap=False,
    )


def drawn(width, rows, *, terminal=False):
    """(as written here, as rich draws it)."""
    plain, reference = console(width, terminal=terminal), console(width, terminal=terminal)
    widths = plain_widths(COLUMNS, rows, width)
    assert widths is not None
    write_plain_table(plain, COLUMNS, rows, widths)
    reference.print(rich_table(COLUMNS, rows))
    return plain.file.getvalue(), reference.file.getvalue()


@settings(max_examples=300)
@given(rows, st.integers(min_value=40, max_value=200))
def test_a_table_that_fits_is_written_as_rich_draws_it(rows, width):
    assume(plain_widths(COLUMNS, rows, width) is not None)
    mine, richs = drawn(width, rows)
    assert mine == richs


@settings(max_examples=100)
@given(rows, st.integers(min_value=60, max_value=200))
def test_on_a_terminal_the_same_text_in_the_same_styles(rows, width):
    assume(plain_widths(COLUMNS, rows, width) is not None)
    mine, richs = drawn(width, rows, terminal=True)
    assert ANSI.sub("", mine) == ANSI.sub("", richs)
    header, *lines = mine.splitlines()
    assert header.startswith("\x1b[1m")
    for line, row in zip(lines, rows, strict=True):
        codes = ANSI.findall(line)
        assert bool(codes) == bool(row.last_style)


@pytest.mark.parametrize(
    ("cells", "width"),
    [
        (["ml", "deployment/caf\u00e9", "1Gi", "-"], 200),  # not ASCII: rich measures it
        (["ml", "a\tb", "1Gi", "-"], 200),  # a tab
        (["ml", "w" * 150, "1Gi", "-"], 160),  # wider than the console
    ],
)
def test_what_rich_must_lay_out_is_left_to_it(cells, width):
    assert plain_widths(COLUMNS, [Row(cells)], width) is None


words = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=40)
spaces = st.text(" ", min_size=1, max_size=3)
messages = st.lists(st.tuples(words, spaces), max_size=40).map(
    lambda parts: "".join(word + space for word, space in parts)
)


@settings(max_examples=500)
@given(st.one_of(messages, printable), st.integers(min_value=INDENT + 1, max_value=200))
def test_a_message_is_wrapped_and_padded_as_rich_does_it(message, width):
    reference = console(width)
    reference.print(Padding(Text(message), (0, 0, 0, INDENT)))
    lines = _wrapped(message, width - INDENT)
    assert "".join(f"{' ' * INDENT}{line}\n" for line in lines) == reference.file.getvalue()


@pytest.mark.parametrize("message", ["caf\u00e9 au lait", "two\nlines", "a\ttab"])
def test_a_message_that_is_not_plain_is_left_to_rich(message):
    assert _wrapped(message, 80) is None


def rich_findings(report, console_, label):
    """The findings as they were drawn before: one rich print per heading and message."""
    from kubectl_shm.render.audit_findings import HEADING_STYLE, SEVERITY_STYLES

    findings = [(w, f) for w in report.workloads for f in w.findings]
    if findings:
        console_.print()
    for workload, finding in sorted(findings, key=lambda wf: -wf[1].severity.rank):
        where = f"{workload.namespace}/{label(workload)}"
        if finding.container:
            where += f" [{finding.container}]"
        heading = Text()
        severity = f"{finding.severity.value.upper():8}"
        heading.append(severity, style=SEVERITY_STYLES[finding.severity])
        heading.append(f"{finding.rule.value}  {where}", style=HEADING_STYLE)
        console_.print(heading)
        console_.print(Padding(Text(finding.message), (0, 0, 0, INDENT)))


@pytest.mark.parametrize("width", [60, 100, 160])
def test_findings_are_written_as_rich_drew_them(width):
    from kubectl_shm.audit.report import AuditReport, WorkloadReport
    from kubectl_shm.audit.rules import Finding, Rule
    from kubectl_shm.render.audit_findings import print_findings
    from kubectl_shm.render.audit_table import workload_label

    long_name = "a-deployment-whose-name-is-longer-than-a-narrow-terminal-is-wide-" * 2
    workloads = [
        WorkloadReport("Deployment", "ml", "trainer", None, (), (
            Finding(Rule.UNBOUNDED, "main", "memory emptyDir 'dshm' at /dev/shm has no "
                    "sizeLimit: it gets 2Gi (pod-memory-limit). Fix: kubectl shm set x"),
            Finding(Rule.DEFAULT_SHM_AI_WORKLOAD, None, "runs 'torchrun' " * 20),
        )),
        WorkloadReport("Deployment", "ml", long_name, None, (), (
            Finding(Rule.WORKAROUND, "c", "caf\u00e9 \u2014 a message rich must measure"),
        )),
    ]  # fmt: skip
    report = AuditReport(tuple(workloads))
    mine, reference = console(width), console(width)
    print_findings(report, mine, workload_label)
    rich_findings(report, reference, workload_label)
    assert mine.file.getvalue() == reference.file.getvalue()
