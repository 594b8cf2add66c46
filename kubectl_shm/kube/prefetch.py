"""A paginated list with the next page in flight while this one is decoded.

The API server takes about as long to send a page of pods as we take to decode and
audit it (DESIGN section 8): done one after the other, each waits for the other. Here a
thread fetches the pages and the caller decodes them, so the two overlap.

The next request needs the `continue` token of this page's list metadata, which the API
server writes before the items (Go's encoding/json writes a struct's fields in order:
kind, apiVersion, metadata, items): it is read from the head of the raw page. A page
whose head does not look like that is decoded whole in the thread first, so the token
is never guessed.
"""

from __future__ import annotations

import queue
import re
import threading
from collections.abc import Iterator, Mapping
from typing import Any

from kubectl_shm import json_codec
from kubectl_shm.kube.client import PAGE_SIZE, Kube

# A list's head: kind, apiVersion and a flat metadata object (ListMeta has no nesting).
_LIST_HEAD = re.compile(
    rb'\A\s*\{\s*"kind"\s*:\s*"[^"\\]*"\s*,\s*"apiVersion"\s*:\s*"[^"\\]*"\s*,'
    rb'\s*"metadata"\s*:\s*\{([^{}]*)\}'
)
_CONTINUE = re.compile(rb'"continue"\s*:\s*"([^"\\]*)"')
# The pages waiting to be decoded: enough to keep the thread busy, few enough to stay small.
_PAGES_AHEAD = 2
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
    caller to decode as it needs (kube.pod_decoding); a page whose head did not show its
    token comes decoded already."""
    pages: queue.Queue[bytes | dict[str, Any] | BaseException | None] = queue.Queue(_PAGES_AHEAD)
    stop = threading.Event()
    params = {**(query or {}), "limit": PAGE_SIZE}

    def hand_over(item: bytes | dict[str, Any] | BaseException | None) -> bool:
        while not stop.is_set():
            try:
                pages.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def fetch() -> None:
        try:
            while True:
                raw = kube.get_raw(path, query=params, doing=doing, accept=accept)
                item, token = _with_token(raw)
                if not hand_over(item) or not token:
                    break
                params["continue"] = token
            hand_over(None)
        except BaseException as error:  # raised again in the caller's thread
            hand_over(error)

    threading.Thread(target=fetch, name=doing, daemon=True).start()
    try:
        while True:
            item = pages.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
