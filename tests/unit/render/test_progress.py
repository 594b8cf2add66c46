"""render.progress: a counter on a terminal's stderr, drawn once rich is imported."""

import io
import threading

from kubectl_shm.render import progress
from kubectl_shm.render.progress import progress_for
from kubectl_shm.render.terminal import Terminal


class FakeTTY(io.StringIO):
    def isatty(self):
        return True


def test_a_long_listing_draws_the_count_so_far(monkeypatch):
    monkeypatch.setattr(progress, "SHOW_AFTER_SECONDS", 0.1)
    stderr = FakeTTY()
    terminal = Terminal(stdout=io.StringIO(), stderr=stderr)
    with progress_for(terminal, "Listing pods") as advance:
        advance(500)
        threading.Event().wait(0.5)  # the display has started, and refreshed
        advance(500)
    drawn = stderr.getvalue()
    assert "Listing pods: " in drawn and "so far" in drawn
    assert not [t for t in threading.enumerate() if t.name == "progress"]


def test_a_short_listing_draws_nothing_and_leaves_no_thread_behind():
    stderr = FakeTTY()
    with progress_for(Terminal(stdout=io.StringIO(), stderr=stderr), "Listing pods") as advance:
        advance(3)
    assert stderr.getvalue() == ""
    assert not [t for t in threading.enumerate() if t.name == "progress"]


def test_nothing_is_drawn_off_a_terminal_or_for_data_output():
    for stderr, enabled in ((io.StringIO(), True), (FakeTTY(), False)):
        with progress_for(
            Terminal(stdout=io.StringIO(), stderr=stderr), "x", enabled=enabled
        ) as advance:
            advance(1)
        assert stderr.getvalue() == ""
