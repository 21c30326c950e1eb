"""Talking to Nostr relays over WebSocket (NIP-01): publish an event, find events by id.

``websockets``' synchronous client: one connection per relay for a whole thread, every wait
bounded (connect, each answer), so a relay that hangs costs seconds, never a stuck run. The
providers' ``httpx.Client`` cannot speak WebSocket, hence this second client.

Relays disagree on a duplicate: the NIP-01 example and strfry answer ``OK true
"duplicate: …"``, PyPI's nostr-relay ``OK false "duplicate: exists"``. Either way the relay
holds the event, so both count as accepted.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from providers import _http

ANSWER_TIMEOUT = 10.0  # seconds for a relay's OK, or for the end of stored events


def check_url(url: str) -> str | None:
    """Why ``url`` is no relay to publish to (None: it is): ``wss://``, or ``ws://`` on
    this machine only (a test relay), since a plain connection shows the note in transit."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return f"{url!r} is not a URL"
    if parts.scheme == "wss" and host:
        return None
    if parts.scheme == "ws" and _http.on_this_machine(host):
        return None
    return f"relay {url!r} must be a wss:// URL (ws:// only for 127.0.0.1 or localhost)"


@dataclass(frozen=True)
class Answer:
    accepted: bool
    message: str  # the relay's words, or why there was no answer
    answered: bool = True  # False: no connection, or no OK in time


class Relay:
    """One relay's connection, opened on first use and kept for the thread's parts."""

    def __init__(self, url: str, timeout: float = ANSWER_TIMEOUT) -> None:
        self.url = url
        self.timeout = timeout
        self._ws: Any = None
        self._stack = contextlib.ExitStack()
        self._broken: str | None = None

    def __enter__(self) -> Relay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._ws = None
        with contextlib.suppress(Exception):  # a connection already gone
            self._stack.close()

    def _connection(self) -> Any:
        if self._broken is not None:
            raise ConnectionError(self._broken)
        if self._ws is None:
            from websockets.sync.client import connect

            try:
                self._ws = self._stack.enter_context(
                    connect(self.url, open_timeout=self.timeout, close_timeout=2, max_size=2**22)
                )
            except Exception as exc:  # refused, TLS, handshake, bad URI: all "not reached"
                self._broken = f"could not connect ({type(exc).__name__}: {exc})"
                raise ConnectionError(self._broken) from None
        return self._ws

    def _messages(self) -> Iterable[list[Any]]:
        """The relay's messages until the deadline; NOTICE and the like are skipped by
        callers, unreadable frames here."""
        ws = self._connection()
        deadline = time.monotonic() + self.timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                raw = ws.recv(timeout=left)
            except TimeoutError:
                return
            except Exception as exc:  # closed by the relay
                self._broken = f"connection lost ({type(exc).__name__})"
                self._ws = None
                raise ConnectionError(self._broken) from None
            try:
                message = json.loads(raw)
            except (TypeError, ValueError):
                continue
            if isinstance(message, list) and message:
                yield message

    def publish(self, event_json: str, ident: str) -> Answer:
        """Send the recorded event as it is, byte for byte, and wait for its ``OK``."""
        try:
            self._connection().send(f'["EVENT",{event_json}]')
            for message in self._messages():
                if message[0] != "OK" or len(message) < 3:
                    continue
                if message[1] not in (ident, ""):  # nostr-relay says "" for a bad signature
                    continue
                said = str(message[3]) if len(message) > 3 else ""
                return Answer(message[2] is True or said.startswith("duplicate:"), said)
        except ConnectionError as exc:
            return Answer(False, str(exc), answered=False)
        except Exception as exc:  # a send on a socket that died meanwhile
            self._ws = None
            return Answer(False, f"connection lost ({type(exc).__name__})", answered=False)
        return Answer(False, f"no answer within {self.timeout:g} s", answered=False)

    def find(self, ids: list[str]) -> set[str] | None:
        """The ids among ``ids`` that the relay holds; None when it could not be asked."""
        sub = "sg-" + secrets.token_hex(4)
        found: set[str] = set()
        try:
            ws = self._connection()
            ws.send(json.dumps(["REQ", sub, {"ids": ids}]))
            for message in self._messages():
                if message[0] == "EVENT" and len(message) > 2 and message[1] == sub:
                    event = message[2]
                    if isinstance(event, dict) and event.get("id") in ids:
                        found.add(str(event["id"]))
                elif message[0] in ("EOSE", "CLOSED") and message[1:2] == [sub]:
                    ws.send(json.dumps(["CLOSE", sub]))
                    return found
        except Exception:
            return None
        return None  # no EOSE in time: cannot tell
