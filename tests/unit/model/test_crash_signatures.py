"""The catalogue of crash messages: every entry finds its framework's real line (and only
its own), reads the byte count it carries, and ordinary logs match nothing."""

import re

import pytest

from kubectl_shm.model.crash_signatures import (
    QUOTE_CHARS,
    catalogue,
    quote,
    scan_log,
    split_timestamp,
)
from tests.crash_lines import CRASH_LINES

IDS = [signature.id for signature in catalogue()]


def test_every_entry_has_a_test_line_and_every_line_an_entry():
    assert sorted(CRASH_LINES) == sorted(IDS)


def test_entries_are_complete_and_unique():
    assert len(set(IDS)) == len(IDS)
    for signature in catalogue():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", signature.id)
        assert signature.meaning and signature.source and signature.family
        assert signature.bytes_meaning in (None, "requested", "available")
        assert ("bytes" in signature.pattern.groupindex) == (signature.bytes_meaning is not None)


@pytest.mark.parametrize("entry", IDS)
def test_each_entry_finds_its_line(entry):
    lines, expected_bytes = CRASH_LINES[entry]
    # Lines before the last are context (a traceback, a message's first line): they may
    # be entries of their own.
    context = [match.signature.id for match in scan_log("\n".join(lines[:-1]))]
    found = {m.signature.id: m for m in scan_log("\n".join(("starting", *lines, "exiting")))}
    assert sorted(found) == sorted({*context, entry})
    assert found[entry].bytes == expected_bytes
    assert found[entry].line == quote(lines[-1])


@pytest.mark.parametrize(
    "text",
    [
        "Epoch 1/10: loss 0.42",
        "df: /dev/shm: 64.0M total",
        "OSError: [Errno 28] No space left on device",  # not after SemLock(: a full disk
        "Error: No space left on device while writing /data/out",
        "bus error count: 0",
    ],
)
def test_ordinary_lines_match_nothing(text):
    assert scan_log(text) == []


def test_a_framework_line_does_not_also_count_as_a_generic_one():
    line = CRASH_LINES["nccl-shm-extend"][0][0]
    assert "/dev/shm/" in line and "No space left on device" in line
    assert [m.signature.id for m in scan_log(line)] == ["nccl-shm-extend"]


def test_the_nul_byte_pytorchs_handler_writes_is_ignored():
    line = "\x00" + CRASH_LINES["pytorch-worker-bus-error"][0][0]
    assert [m.signature.id for m in scan_log(line)] == ["pytorch-worker-bus-error"]


def test_repeats_are_counted_and_the_last_one_quoted():
    line = "dd: error writing '/dev/shm/{}': No space left on device"
    text = "\n".join(
        [
            "2026-12-01T10:00:00.123456789Z " + line.format("a"),
            "2026-12-01T10:05:00Z " + line.format("b"),
        ]
    )
    (match,) = scan_log(text)
    assert match.lines == 2
    assert match.time == "2026-12-01T10:05:00Z"
    assert "/dev/shm/b" in match.line


def test_near_looks_only_a_few_lines_back():
    far = ["_multiprocessing.SemLock(", *["x"] * 20, "OSError: [Errno 28] No space left on device"]
    assert scan_log("\n".join(far)) == []


def test_timestamps_are_split_off():
    assert split_timestamp("2026-12-01T10:00:00.5+02:00 hello") == (
        "2026-12-01T10:00:00.5+02:00",
        "hello",
    )
    assert split_timestamp("hello world") == (None, "hello world")


def test_quotes_are_cut_and_show_control_characters():
    assert quote("a\x1b[31mred") == "a\\x1b[31mred"
    long = quote("x" * 1000)
    assert len(long) == QUOTE_CHARS and long.endswith("…")
