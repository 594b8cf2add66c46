"""A scripted API server on a real socket: each route answers from a queue, every request is kept.

For CLI tests of the live paths (what we send, how we react to each answer)
without a cluster; tests/e2e runs the same paths against a real API server.
"""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict
    content_type: str | None
    body: object
    authorization: str | None = None


@dataclass
class FakeApi:
    routes: dict = field(default_factory=dict)
    requests: list = field(default_factory=list)

    def on(self, method, path, *answers):
        """Answer `method path` with `answers` in turn (the last one repeats): (status, body)."""
        self.routes[(method, path)] = list(answers)

    def sent(self, method, path=None):
        return [r for r in self.requests if r.method == method and path in (None, r.path)]

    def answer(self, request):
        """The next answer; a callable answer is called with the request."""
        queue = self.routes.get((request.method, request.path))
        if not queue:
            return 404, status_body(404, "NotFound", f"{request.path} not found")
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        return answer(request) if callable(answer) else answer


def status_body(code, reason, message):
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "code": code,
        "reason": reason,
        "message": message,
    }


def serve(api):
    class Handler(BaseHTTPRequestHandler):
        def _handle(self):
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            request = Request(
                self.command,
                url.path,
                parse_qs(url.query),
                self.headers.get("Content-Type"),
                body,
                self.headers.get("Authorization"),
            )
            api.requests.append(request)
            status, answer = api.answer(request)
            data = answer.encode() if isinstance(answer, str) else json.dumps(answer).encode()
            self.send_response(status)
            kind = "text/plain" if isinstance(answer, str) else "application/json"
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_PATCH = _handle

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
    return server


def kubeconfig(path, port, namespace="ml"):
    path.write_text(f"""
apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster: {{server: "http://127.0.0.1:{port}"}}
users:
- name: me
  user: {{token: abc}}
contexts:
- name: fake
  context: {{cluster: fake, user: me, namespace: {namespace}}}
current-context: fake
""")
    return str(path)
