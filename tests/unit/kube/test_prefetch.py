"""kube.prefetch: pages in the order listed, the next in flight, the token never guessed."""

import json
import threading

import pytest

from kubectl_shm import json_codec
from kubectl_shm.kube.client import PAGE_SIZE, Kube
from kubectl_shm.kube.errors import Forbidden
from kubectl_shm.kube.prefetch import UNKNOWN, continue_token, prefetched_pages
from tests.unit.recorded_api import _Response


def server_page(items, token=None, remaining=None):
    """A page as the API server writes it: Go's field order, no spaces."""
    metadata = {"resourceVersion": "42"}
    if token is not None:
        metadata["continue"] = token
    if remaining is not None:
        metadata["remainingItemCount"] = remaining
    page = {"kind": "PodList", "apiVersion": "v1", "metadata": metadata, "items": items}
    return json.dumps(page, separators=(",", ":")).encode()


@pytest.mark.parametrize(
    ("raw", "token"),
    [
        (server_page([], "eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ", 10), "eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ"),
        (server_page([{"metadata": {"continue": "not-this"}}]), None),
        (server_page([], ""), None),
        (b'{ "kind" : "PodList" , "apiVersion" : "v1" , "metadata" : {"continue": "a"}}', "a"),
        # Heads that are not plain: decoded whole instead.
        (b'{"kind":"List","metadata":{"continue":"a"},"items":[]}', UNKNOWN),
        (b'{"apiVersion":"v1","kind":"PodList","metadata":{"continue":"a"}}', UNKNOWN),
        (b'{"kind":"PodList","apiVersion":"v1","metadata":{"continue":"a\\u003d"}}', UNKNOWN),
        (b'{"kind":"PodList","apiVersion":"v1","metadata":{"continue":1}}', UNKNOWN),
        (b"[]", UNKNOWN),
    ],
)
def test_the_token_is_read_from_a_plain_head_only(raw, token):
    assert continue_token(raw) == token


class PagedTransport:
    """Answers a list call page by page, following `continue`; records what was asked."""

    def __init__(self, pages, fail_at=None):
        self.pages = pages
        self.fail_at = fail_at
        self.asked = []
        self.threads = set()

    def param_serialize(self, method, path, *, query_params, header_params, body, auth_settings):
        return method, (path, dict(query_params)), header_params, body, None

    def call_api(self, method, url, *, header_params, body, _request_timeout):
        _path, query = url
        self.asked.append(query)
        self.threads.add(threading.current_thread().name)
        index = int(query.get("continue", "0"))
        if index == self.fail_at:
            body = {"kind": "Status", "code": 403, "reason": "Forbidden", "message": "no"}
            return _Response(403, "Forbidden", json.dumps(body).encode())
        return _Response(200, "OK", self.pages[index])

    def close(self):
        pass


def decoded(pages):
    return [json_codec.loads(p) if isinstance(p, bytes) else p for p in pages]


def kube_over(transport):
    return Kube(transport, namespace="ml", server="https://recorded.invalid", request_timeout=None)


def pages_of(count, *, plain=True):
    pages = []
    for index in range(count):
        token = str(index + 1) if index + 1 < count else None
        items = [{"metadata": {"name": f"pod-{index}"}}]
        if plain:
            pages.append(server_page(items, token))
        else:  # the recorded API's shape: spaces and no apiVersion
            page = {"kind": "List", "metadata": {"continue": token} if token else {}}
            pages.append(json.dumps({**page, "items": items}).encode())
    return pages


@pytest.mark.parametrize("plain", [True, False])
def test_every_page_in_order_through_continue_from_another_thread(plain):
    transport = PagedTransport(pages_of(4, plain=plain))
    pages = decoded(prefetched_pages(kube_over(transport), "/api/v1/pods", doing="listing pods"))
    assert [p["items"][0]["metadata"]["name"] for p in pages] == [f"pod-{i}" for i in range(4)]
    assert [q.get("continue") for q in transport.asked] == [None, "1", "2", "3"]
    assert all(q["limit"] == PAGE_SIZE for q in transport.asked)
    assert threading.current_thread().name not in transport.threads


def test_a_refusal_on_a_later_page_is_raised_where_that_page_is_awaited():
    transport = PagedTransport(pages_of(3), fail_at=1)
    pages = prefetched_pages(kube_over(transport), "/api/v1/pods", doing="listing pods")
    assert decoded([next(pages)])[0]["items"][0]["metadata"]["name"] == "pod-0"
    with pytest.raises(Forbidden):
        next(pages)


def test_a_listing_given_up_stops_fetching():
    transport = PagedTransport(pages_of(50))
    pages = prefetched_pages(kube_over(transport), "/api/v1/pods", doing="listing pods")
    next(pages)
    pages.close()
    # The requests already let in when it was given up may finish; none starts after
    # them. At most: the page taken and three read ahead of it.
    threading.Event().wait(0.3)
    settled = len(transport.asked)
    threading.Event().wait(0.3)
    assert len(transport.asked) == settled <= 1 + 3


class SlowBody:
    """A response body whose head comes at once and whose rest waits for `released`
    (at most `patience` seconds); `waited_in_vain` says whether it came."""

    def __init__(self, data, released, patience):
        self.data = data
        self.released = released
        self.patience = patience
        self.offset = 0
        self.waited_in_vain = None

    def read(self, amount=None):
        if amount is None:
            self.waited_in_vain = not self.released.wait(self.patience)
            amount = len(self.data)
        chunk = self.data[self.offset : self.offset + amount]
        self.offset += len(chunk)
        return chunk


class HeadFirstTransport(PagedTransport):
    """Page 0's body is held back until page 1 has been asked for (or `patience` passed)."""

    def __init__(self, pages, patience):
        super().__init__(pages)
        self.next_asked = threading.Event()
        self.first_body = None
        self.patience = patience

    def call_api(self, method, url, *, header_params, body, _request_timeout):
        response = super().call_api(
            method, url, header_params=header_params, body=body, _request_timeout=_request_timeout
        )
        if url[1].get("continue") == "1":
            self.next_asked.set()
        if "continue" not in url[1]:
            self.first_body = response.response = SlowBody(
                response.data, self.next_asked, self.patience
            )
        return response


def listed_names(transport):
    pages = decoded(prefetched_pages(kube_over(transport), "/api/v1/pods", doing="listing pods"))
    return [p["items"][0]["metadata"]["name"] for p in pages]


def test_the_next_page_is_asked_for_once_this_pages_head_is_in():
    """The API server's time before its first byte overlaps this page's transfer."""
    transport = HeadFirstTransport(pages_of(3), patience=5)
    assert listed_names(transport) == ["pod-0", "pod-1", "pod-2"]
    assert transport.first_body.waited_in_vain is False
    assert [q.get("continue") for q in transport.asked] == [None, "1", "2"]


def test_a_head_that_does_not_show_the_token_waits_for_the_whole_page():
    transport = HeadFirstTransport(pages_of(3, plain=False), patience=0.2)
    assert listed_names(transport) == ["pod-0", "pod-1", "pod-2"]
    assert transport.first_body.waited_in_vain is True
    assert [q.get("continue") for q in transport.asked] == [None, "1", "2"]
