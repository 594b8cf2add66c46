"""kubectl's borderless columns, written straight where rich's layout could change nothing.

A rich Table measures, lays out and renders every cell as segments: ~0.3 ms a row, seconds
for a cluster of ten thousand pods. When every cell is printable ASCII (one character,
one column) and the widest row fits the console, rich's layout is fixed and simple: each
column as wide as its widest cell or its min_width, one space of padding on each side
inside the table (none at its edges), every cell padded to its column and justified as
the column is. Then the lines are written as text, with the styles rich would draw
(`style_codes`). Anything else, the caller gives to rich (`rich_table`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from kubectl_shm.render.columns import columns_table

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

HEADER_STYLE = "bold"
_GAP = "  "  # the right padding of one column and the left padding of the next


class Column(NamedTuple):
    """A column as rich's add_column takes it."""

    header: str
    justify: str = "left"  # or "right"
    no_wrap: bool = False
    overflow: str = "ellipsis"
    min_width: int | None = None


class Row(NamedTuple):
    """The cells of one row, and the style of its last cell (None: plain)."""

    cells: Sequence[str]
    last_style: str | None = None


def plain_text(text: str) -> bool:
    """Printable ASCII: one character is one column, and rich draws it as it is."""
    return text.isascii() and text.isprintable()


def plain_widths(columns: Sequence[Column], rows: Sequence[Row], width: int) -> list[int] | None:
    """Each column's width as rich would make it, or None where rich must lay it out."""
    if not all(plain_text("".join(row.cells)) for row in rows):
        return None
    widths = []
    for index, column in enumerate(columns):
        widest = max((len(row.cells[index]) for row in rows), default=0)
        widths.append(max(widest, len(column.header), column.min_width or 0))
    if sum(widths) + len(_GAP) * (len(widths) - 1) > width:
        return None
    return widths


def write_plain_table(
    console: Console, columns: Sequence[Column], rows: Sequence[Row], widths: Sequence[int]
) -> None:
    """The table as rich draws it for these `widths` (from plain_widths)."""
    cells = [
        f"{{:{'>' if column.justify == 'right' else '<'}{width}}}"
        for column, width in zip(columns, widths, strict=True)
    ]
    leading = _GAP.join(cells[:-1])
    line = f"{leading}{_GAP}" if leading else ""
    last = cells[-1]
    codes = {style: style_codes(console, style) for style in {r.last_style for r in rows} if style}
    opened, closed = style_codes(console, HEADER_STYLE)
    header = line.format(*(c.header for c in columns[:-1])) + last.format(columns[-1].header)
    lines = [f"{opened}{header}{closed}" if opened else header]
    right = [index for index, column in enumerate(columns) if column.justify == "right"]
    for row in rows:
        cells = list(row.cells)
        for index in right:  # rich drops the spaces that end right-justified text
            cells[index] = cells[index].rstrip(" ")
        start, end = codes.get(row.last_style, ("", "")) if row.last_style else ("", "")
        lines.append(f"{line.format(*cells[:-1])}{start}{last.format(cells[-1])}{end}")
    lines.append("")
    console.file.write("\n".join(lines))


def rich_table(columns: Sequence[Column], rows: Sequence[Row]) -> Table:
    """The same table for rich to lay out (cells that need it, consoles too narrow)."""
    from rich.text import Text

    table = columns_table()
    for column in columns:
        table.add_column(
            column.header,
            justify=column.justify,  # type: ignore[arg-type]  # "left" or "right"
            no_wrap=column.no_wrap,
            overflow=column.overflow,  # type: ignore[arg-type]  # rich's literal names
            min_width=column.min_width,
        )
    for row in rows:
        table.add_row(*row.cells[:-1], Text(row.cells[-1], style=row.last_style or ""))
    return table


def style_codes(console: Console, style: str) -> tuple[str, str]:
    """What `console` writes before and after text in `style` ("" on a plain stream)."""
    from rich.text import Text

    with console.capture() as capture:
        console.print(Text("x", style=style), end="")
    before, _, after = capture.get().partition("x")
    return before, after
