"""A paginated list with the next page in flight while this one is decoded.

The API server takes about as long to send a page of pods as we take to decode and
audit it (DESIGN section 8): done one after the other, each waits for the other. Here
threads fetch the pages and the caller decodes them, so the two overlap.

The next request needs the `continue` token of this page's list metadata, which the API
server writes before the items (Go's encoding/json writes a struct's fields in order:
kind, apiVersion, metadata, items): it is read from the head of the page as soon as the
head arrives, and the next page is asked for while the rest of this one is still being
read. The server spends ~18 ms on a list request before its first byte (DESIGN section
8): that wait now overlaps the previous page's transfer. A page whose head does not
look like that is read and decoded whole first, so the token is never guessed.
"""

from __future__ import annotations

import queue
import re
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import Future
from typing import Any

from kubectl_shm import json_codec
from kubectl_shm.kube.client import PAGE_SIZE, Kube

# A list's head: kind, apiVersion and a flat metadata object (ListMeta has no nesting).
_LIST_HEAD = re.compile(
    rb'\A\s*\{\s*"kind"\s*:\s*"[^"\\]*"\s*,\s*"apiVersion"\s*:\s*"[^"\\]*"\s*,'
    rb'\s*"metadata"\s*:\s*\{([^{}]*)\}'
)
_CONTINUE = re.compile(rb'"continue"\s*:\s*"([^"\\]*)"')
# The pages read or being read ahead of the caller's: enough to keep the server busy, few
# enough to stay small.
_PAGES_AHEAD = 3
_POLL_SECONDS = 0.1


class _Unknown:
    """The page's head did not show its token plainly."""


UNKNOWN = _Unknown()


def continue_token(raw: bytes) -> str | _Unknown | None:
    """The list's `continue` token, None on the last page, UNKNOWN if the head is unclear."""
    head = _LIST_HEAD.match(raw)
    if head is None:
        return UNKNOWN
    metadata = head.group(1)
    if b'"continue"' not in metadata:
        return None
    found = _CONTINUE.search(metadata)
    if found is None:
        return UNKNOWN
    return found.group(1).decode("ascii", "replace") or None


def _with_token(raw: bytes) -> tuple[bytes | dict[str, Any], str | None]:
    """The page as it will be handed over (raw, or decoded when its head is unclear)
    and its continue token."""
    token = continue_token(raw)
    if not isinstance(token, _Unknown):
        return raw, token
    page = json_codec.loads(raw)
    metadata = page.get("metadata") if isinstance(page, dict) else None
    token = metadata.get("continue") if isinstance(metadata, dict) else None
    return page, str(token) if token else None


def prefetched_pages(
    kube: Kube,
    path: str,
    *,
    query: Mapping[str, Any] | None = None,
    doing: str,
    accept: str = "application/json",
) -> Iterator[bytes | dict[str, Any]]:
    """Each page of a list call (limit/continue) as the API server sent it, for the
    caller to decode as it needs (kube.slim_pods); a page whose head did not show its
    token comes decoded already. At most _PAGES_AHEAD pages are read ahead of the one
    the caller holds."""
    # The pages in order, each a Future of its content; None after the last.
    pages: queue.Queue[Future[bytes | dict[str, Any]] | None] = queue.Queue()
    room = threading.Semaphore(_PAGES_AHEAD)
    stop = threading.Event()
    params = {**(query or {}), "limit": PAGE_SIZE}

    def ask(token: str | None) -> None:
        """Read the page after `token` (the first with None) once there is room."""
        while not room.acquire(timeout=_POLL_SECONDS):
            if stop.is_set():
                return
        start(token)

    def start(token: str | None) -> None:
        page: Future[bytes | dict[str, Any]] = Future()
        pages.put(page)
        threading.Thread(target=read, args=(token, page), name=doing, daemon=True).start()

    def read(token: str | None, page: Future[bytes | dict[str, Any]]) -> None:
        # The next page's token: from the head, else from the page read whole.
        following: str | _Unknown | None = UNKNOWN
        started = False

        def follow(head: bytes) -> None:
            nonlocal following, started
            following = continue_token(head)
            # Asked for now only if there is room: waiting here would hold this page's read.
            if isinstance(following, str) and not stop.is_set() and room.acquire(blocking=False):
                start(following)
                started = True

        try:
            raw = kube.get_raw(
                path,
                query={**params, "continue": token},
                doing=doing,
                accept=accept,
                on_head=follow,
            )
            item: bytes | dict[str, Any] = raw
            if isinstance(following, _Unknown):
                item, following = _with_token(raw)
        except BaseException as error:  # raised again in the caller's thread
            page.set_exception(error)
            return
        page.set_result(item)
        if started:
            return
        if isinstance(following, str):
            ask(following)
        else:
            pages.put(None)

    ask(None)
    try:
        while (page := pages.get()) is not None:
            item = page.result()
            room.release()
            yield item
    finally:
        stop.set()
