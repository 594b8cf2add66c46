"""PyYAML's pure-Python event parser, taught libyaml's tabs (for installs without libyaml,
such as the release zipapp).

PyYAML's scanner treats a tab as a space nowhere; libyaml, and go-yaml (a port of it, what
kubectl reads with), skip tabs between tokens in flow collections and after a value
indicator, and keep them inside plain scalars (libyaml scanner.c, yaml_parser_scan_to_next_token
and yaml_parser_scan_plain_scalar). Tabs that indent stay an error, as there.
"""

from __future__ import annotations

from yaml.error import Mark
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.scanner import Scanner, ScannerError

_BREAKS = "\r\n\x85\u2028\u2029"
_ENDS = "\0 \t" + _BREAKS


class PurePythonEvents(Reader, Scanner, Parser):
    def __init__(self, text: str) -> None:
        Reader.__init__(self, text)
        Scanner.__init__(self)
        Parser.__init__(self)

    def _skippable(self, character: str) -> bool:
        return character == " " or (
            character == "\t" and bool(self.flow_level or not self.allow_simple_key)
        )

    def scan_to_next_token(self) -> None:
        if self.index == 0 and self.peek() == "\ufeff":
            self.forward()
        while True:
            while self._skippable(self.peek()):
                self.forward()
            if self.peek() == "#":
                while self.peek() not in "\0" + _BREAKS:
                    self.forward()
            if not self._line_break():
                return
            if not self.flow_level:
                self.allow_simple_key = True

    def scan_plain_spaces(self, indent: int, start_mark: Mark) -> list[str] | None:
        length = 0
        while self.peek(length) in " \t":
            length += 1
        whitespaces = self.prefix(length)
        self.forward(length)
        if self.peek() not in _BREAKS:
            return [whitespaces] if whitespaces else []
        line_break = self._line_break()
        self.allow_simple_key = True
        if self._at_document_marker():
            return None
        breaks = []
        while self.peek() in " \t" + _BREAKS:
            if self.peek() == "\t" and self.column < indent:
                raise ScannerError(
                    "while scanning a plain scalar", start_mark,
                    "found a tab character that violates indentation", self.get_mark(),
                )  # fmt: skip
            if self.peek() in " \t":
                self.forward()
                continue
            breaks.append(self._line_break())
            if self._at_document_marker():
                return None
        chunks = [line_break] if line_break != "\n" else ([] if breaks else [" "])
        return chunks + breaks

    def _line_break(self) -> str:
        return self.scan_line_break()  # type: ignore[no-untyped-call,no-any-return]

    def _at_document_marker(self) -> bool:
        return self.prefix(3) in ("---", "...") and self.peek(3) in _ENDS
