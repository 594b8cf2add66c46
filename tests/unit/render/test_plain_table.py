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
