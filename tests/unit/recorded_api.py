"""A recorded API for the use cases: the kube adapter over canned answers, no socket.

`recorded_kube(answers)` is a real `Kube` whose transport answers each
`(method, path)` from `answers` (a body, or `(status, body)`); everything
above the transport (paging, decoding, our error tree) runs as in production.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode

from kubectl_shm.kube.client import Kube


@dataclass
class _Response:
    status: int
    reason: str
    data: bytes

    def __post_init__(self) -> None:
        self.response = io.BytesIO(self.data)  # as urllib3's response: read a piece at a time

    def read(self) -> bytes:
        return self.data


@dataclass
class RecordedTransport:
    """Stands in for the client's ApiClient: `param_serialize` and `call_api`, nothing else."""

    answers: dict[tuple[str, str], Any]
    sent: list[tuple[str, str]] = field(default_factory=list)

    def param_serialize(self, method, path, *, query_params, header_params, body, auth_settings):
        url = f"{path}?{urlencode(query_params)}" if query_params else path
        return method, url, header_params, body, None

    def call_api(self, method, url, *, header_params, body, _request_timeout):
        path = url.split("?", 1)[0]
        self.sent.append((method, url))
        answer = self.answers.get((method, path))
        if isinstance(answer, Pages):
            answer = answer.page(parse_qs(url.partition("?")[2]).get("continue", ["0"])[0])
        if answer is None:
            status, body = 404, {"kind": "Status", "code": 404, "reason": "NotFound"}
        else:
            status, body = answer if isinstance(answer, tuple) else (200, answer)
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        return _Response(status, "OK" if status < 300 else "Error", data)

    def close(self) -> None:
        pass


def recorded_kube(answers: dict[tuple[str, str], Any], namespace: str = "ml") -> Kube:
    return Kube(
        api_client=RecordedTransport(answers),
        namespace=namespace,
        server="https://recorded.invalid",
        request_timeout=None,
    )


def listing(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"kind": "List", "metadata": {}, "items": items}


@dataclass
class Pages:
    """A list answered a page at a time through `continue`, as the API server pages it."""

    pages: list[list[dict[str, Any]]]

    def page(self, token: str) -> dict[str, Any]:
        index = int(token)
        following = {"continue": str(index + 1)} if index + 1 < len(self.pages) else {}
        return {"kind": "List", "metadata": following, "items": self.pages[index]}
