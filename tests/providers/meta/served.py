"""A Graph fake behind a real HTTP server on 127.0.0.1, and a content repository whose
account reaches it through ``base_url``: for killing ``socialgit publish`` for real (a
subprocess, SIGKILLed with its git children) at the one request that could double a post.

``Served.hold`` names fake routes whose answer is held back after the fake acted on the
request: the post exists, the runner waits for an answer, and ``acted`` tells the test it
may kill the runner now. Requests reach the fake as it sees them from the network: the
URL's host is the product's (``graph.facebook.com``), whatever port the runner used.
"""

from __future__ import annotations

import textwrap
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import yaml

from socialgit.credentials.vault import Vault
from tests.providers.meta.graphfake import GraphFake
from tests.runner.conftest import World

POST = "content/launch.md"


class Served:
    def __init__(self, fake: GraphFake, host: str) -> None:
        self.fake = fake
        self.host = host
        self.lock = threading.Lock()
        self.hold: set[str] = set()
        self.acted = threading.Event()
        self.release = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Any:
        """The fake's response, or None when the answer is to be lost."""
        kept = {k: v for k, v in headers.items() if k.lower() not in {"host", "content-length"}}
        request = httpx.Request(method, f"https://{self.host}{path}", headers=kept, content=body)
        with self.lock:
            route = self.fake.route(request)[0]
            try:
                response = self.fake(request)
            except httpx.TransportError:
                return None
        if route in self.hold:
            self.hold.discard(route)
            self.acted.set()
            self.release.wait(60)
            return None
        return response

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def _handler(served: Served) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            size = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(size) if size else b""
            response = served.answer(self.command, self.path, dict(self.headers), body)
            if response is None:
                self.close_connection = True
                return
            content = response.content
            self.send_response(response.status_code)
            for name, value in response.headers.items():
                if name.lower() not in {"content-length", "transfer-encoding", "connection"}:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def site(
    world: World,
    account: str,
    settings: dict[str, Any],
    credentials: dict[str, Any],
    body: str,
    *,
    front: str = "",
    config: dict[str, Any] | None = None,
    files: Mapping[str, bytes] | None = None,
) -> None:
    """The world's repository with one account and one post due at 09:00 (``front``: more
    front-matter lines; ``files``: more files, e.g. media), its credentials in the vault
    (under ``$SOCIALGIT_KEY``), pushed."""
    whole = {"timezone": "UTC", "missed_after": "6h", "claim_timeout": "30m", **(config or {}),
             "accounts": {account: settings}}  # fmt: skip
    world.write("socialgit.yml", yaml.safe_dump(whole, sort_keys=False))
    head = f"publish_at: 2026-01-01 09:00\ntargets: [{account}]\n{front}".strip()
    world.write(POST, f"---\n{head}\n---\n{textwrap.dedent(body).strip()}\n")
    for rel, data in (files or {}).items():
        (world.seed / rel).parent.mkdir(parents=True, exist_ok=True)
        (world.seed / rel).write_bytes(data)
    vault = Vault.open(world.seed)
    vault.put(account, credentials, {"provider": str(settings["provider"])})
    vault.save()
    world.push()


def results(world: World, account: str) -> dict[str, Any]:
    """The post's entry for ``account`` as the remote holds it."""
    front = world.remote_file(POST).split("---")[1]
    return dict(yaml.safe_load(front)["results"][account])
