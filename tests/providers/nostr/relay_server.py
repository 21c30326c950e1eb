"""A real Nostr relay on loopback: rust-nostr's ``LocalRelay`` (PyPI ``nostr-sdk``).

It runs in this process, on an asyncio loop in a thread, with its own in-memory store; a
runner in a subprocess reaches it over WebSocket like any relay. It checks what relays
check (the id is the hash, the signature is the pubkey's) and answers a resent event with
``OK true "duplicate: …"``. ``read`` asks it for events over the wire, as a client would.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.sync.client import connect

START_TIMEOUT = 10.0


def require_sdk() -> Any:
    try:
        import nostr_sdk
    except ImportError:
        reason = "nostr-sdk missing: pip install -e '.[test]'"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return nostr_sdk


class LocalRelay:
    """One relay; ``url`` is ``ws://127.0.0.1:PORT``."""

    def __init__(self) -> None:
        self._sdk = require_sdk()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._relay: Any = None
        self.url = ""
        self.startup_seconds = 0.0
        started = time.monotonic()
        threading.Thread(target=self._run, daemon=True).start()
        if not self._ready.wait(START_TIMEOUT) or not self.url:
            raise AssertionError("the local Nostr relay did not start")
        self.startup_seconds = time.monotonic() - started

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def start() -> None:
            try:
                relay = self._sdk.LocalRelayBuilder().addr("127.0.0.1").port(free_port()).build()
                await relay.run()
                self._relay, self.url = relay, str(await relay.url()).rstrip("/")
            finally:
                self._ready.set()

        self._loop.run_until_complete(start())
        self._loop.run_forever()

    def close(self) -> None:
        if self._relay is not None:
            self._relay.shutdown()
        self._loop.call_soon_threadsafe(self._loop.stop)

    def read(self, **filters: Any) -> list[dict[str, Any]]:
        """The stored events matching a NIP-01 filter (``ids``, ``authors``, ``kinds``)."""
        return read(self.url, **filters)


def read(url: str, **filters: Any) -> list[dict[str, Any]]:
    found = []
    with connect(url, open_timeout=5) as ws:
        ws.send(json.dumps(["REQ", "t", filters]))
        while True:
            message = json.loads(ws.recv(timeout=5))
            if message[0] == "EOSE":
                return found
            if message[0] == "EVENT":
                found.append(message[2])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def serve() -> Iterator[LocalRelay]:
    relay = LocalRelay()
    try:
        yield relay
    finally:
        relay.close()
