"""RFC 3339 times as the API server, the kubelet and credential plugins write them; a
shape that is no date (month 13) is no time, which a credential plugin once made an
internal error."""

from datetime import datetime, timezone

import pytest

from kubectl_shm.model.times import parse_rfc3339


def test_nanoseconds_are_read_to_the_microsecond():
    assert parse_rfc3339("2026-12-01T10:00:00.123456789Z") == datetime(
        2026, 12, 1, 10, 0, 0, 123456, tzinfo=timezone.utc
    )
    assert parse_rfc3339("2026-12-01T10:00:00.5z") == datetime(
        2026, 12, 1, 10, 0, 0, 500000, tzinfo=timezone.utc
    )


def test_offsets_are_kept():
    assert parse_rfc3339("2026-12-01T12:00:00+02:00") == datetime(
        2026, 12, 1, 10, tzinfo=timezone.utc
    )


@pytest.mark.parametrize(
    "text",
    ["yesterday", "2026-12-01T10:00:00", "2026-13-01T10:00:00Z", " 2026-12-01T10:00:00Z", None],
)
def test_anything_else_is_no_time(text):
    assert parse_rfc3339(text) is None
