"""A real HTTP receiver for the webhook provider: a threaded server on 127.0.0.1.

It records every request, and "processes" a delivery the first time it sees its
Idempotency-Key (as a real receiver that dedupes would). What it answers is scripted per
request: ``ok``, an HTTP status, ``429`` with a Retry-After, a delay, ``hang`` (processed,
then no answer until released: the sender cannot know whether it arrived), and something to
do first while the sender waits (``before``: e.g. a person pushes a commit).
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Action:
    status: int = 200
    delay: float = 0.0
    hang: bool = False
    retry_after: str | None = None
    before: Callable[[], None] | None = None  # run before answering (the sender waits)


@dataclass
class Receiver:
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    processed: set[str] = field(default_factory=set)  # keys acted on, once each (dedupe)
    script: deque[Action] = field(default_factory=deque)
    default: Action = field(default_factory=Action)
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def then(self, *actions: Action) -> None:
        self.script.extend(actions)

    def keys(self) -> list[str]:
        return [key for key, _ in self.requests]

    def count(self, key: str) -> int:
        return self.keys().count(key)

    def handle(self, key: str, body: dict[str, Any]) -> Action:
        with self.lock:
            self.requests.append((key, body))
            action = self.script.popleft() if self.script else self.default
            if action.status < 300 or action.hang:
                # A second arrival of a key is dropped (docs/networks/webhook.md).
                self.processed.add(key)
        return action


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            key = self.headers.get("Idempotency-Key", "")
            action = receiver.handle(key, body)
            if action.before is not None:
                action.before()
            if action.hang:
                receiver.holding.set()
                receiver.release.wait(30)
                return  # no answer at all
            if action.delay:
                time.sleep(action.delay)
            answer = b""
            if action.status < 300:
                answer = json.dumps(
                    {"id": f"r-{key}", "url": f"https://example.test/{key}"}
                ).encode()
            self.send_response(action.status)
            if action.retry_after is not None:
                self.send_header("Retry-After", action.retry_after)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    return Handler


class Server:
    def __init__(self) -> None:
        self.receiver = Receiver()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.receiver))
        self.httpd.daemon_threads = True
        self.receiver.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.receiver.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
