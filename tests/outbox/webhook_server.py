"""A local webhook for the outbox's receivers to post to (the ``hook`` fixture)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Hook:
    """A webhook on 127.0.0.1 that answers each POST with the next scripted status
    (200 once the script runs out) and keeps the JSON bodies it was sent."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = list(statuses)
        self.bodies: list[dict[str, Any]] = []
        self.raw: list[bytes] = []
        self.on_post: Callable[[], None] | None = None
        self.headers: list[dict[str, str]] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                raw = self.rfile.read(length)
                hook.raw.append(raw)
                hook.bodies.append(json.loads(raw))
                hook.headers.append(dict(self.headers))
                if hook.on_post is not None:
                    hook.on_post()
                status = hook.statuses.pop(0) if hook.statuses else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/secret-token"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def texts(self) -> list[str]:
        return [body["text"] for body in self.bodies]


def serve() -> Iterator[Callable[..., Hook]]:
    """The ``hook`` fixture's body: ``start(statuses)`` runs a Hook until the test ends."""
    started: list[Hook] = []

    def start(statuses: list[int] | None = None) -> Hook:
        server = Hook(statuses or [])
        server.thread.start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.server.shutdown()
        server.server.server_close()
