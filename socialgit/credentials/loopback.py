"""The one-shot OAuth callback server on 127.0.0.1 (RFC 8252 §7.3, loopback redirect).

It listens on a random port (or a fixed one, to match a redirect URI registered with the
network), answers the first request to its path with a page saying what happened, and hands
the query (``code`` and ``state``, or ``error``) to the caller. The page says the sign-in
was received only when its ``state`` is the one this sign-in sent: a stale or forged link
is refused there too, not only in the terminal.
Other paths (a browser's ``/favicon.ico``) get 404 and do not count.
"""

from __future__ import annotations

import hmac
import html
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import TracebackType
from urllib.parse import parse_qsl, urlsplit

from socialgit.errors import UsageError

HOST = "127.0.0.1"
PATH = "/callback"


class Loopback:
    """``with Loopback(port) as loop: … loop.redirect_uri … loop.wait(timeout)``."""

    def __init__(
        self, port: int = 0, path: str = PATH, state: str | None = None, carrier: str = "state"
    ) -> None:
        self.path = path
        self.state = state  # what the callback must carry back; None: not checked here
        self.carrier = carrier  # the query parameter that carries it (MiAuth: ``session``)
        self._result: dict[str, str] | None = None
        self._done = threading.Event()
        handler = _handler(self)
        try:
            self._server = HTTPServer((HOST, port), handler)
        except OSError as exc:
            raise UsageError(
                f"cannot listen on {HOST}:{port} for the OAuth callback ({exc.strerror}); "
                "choose another --port"
            ) from None
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def redirect_uri(self) -> str:
        return f"http://{HOST}:{self.port}{self.path}"

    def wait(self, timeout: float) -> dict[str, str]:
        """The callback's query parameters; :class:`UsageError` after ``timeout`` seconds."""
        if not self._done.wait(timeout):
            raise UsageError(
                f"no answer from the browser within {timeout:g}s; run `socialgit connect` "
                "again (or raise --timeout)"
            )
        assert self._result is not None
        return self._result

    def _deliver(self, query: dict[str, str]) -> bool:
        if self._done.is_set():
            return False
        self._result = query
        self._done.set()
        return True

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Loopback:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def _handler(loop: Loopback) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path != loop.path:
                self._page(404, "Not found.")
                return
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            if not loop._deliver(query):
                self._page(409, "This sign-in link was already used. Close this tab.")
            elif loop.state is not None and not hmac.compare_digest(
                query.get(loop.carrier, ""), loop.state
            ):
                self._page(
                    400,
                    "This sign-in does not match the one socialgit started (a stale or forged "
                    "link): nothing was stored. Close this tab and run socialgit connect again.",
                )
            elif "error" in query:
                self._page(400, f"Access was not granted ({query['error']}). Close this tab.")
            else:
                self._page(200, "socialgit received the sign-in. You can close this tab.")

        def _page(self, status: int, text: str) -> None:
            body = f"<!doctype html><title>socialgit</title><p>{html.escape(text)}</p>\n"
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass  # the request line carries the authorization code: never log it

    return Handler
