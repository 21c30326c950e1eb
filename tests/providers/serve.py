"""A network's fake on a real local port: for what builds its own HTTP client (the runner's
refresh, ``socialgit connect``, the CLI end to end), pointed at it through ``base_url``.

``with Served(fake) as url:`` serves ``fake`` (an ``httpx.MockTransport`` handler) on
``http://127.0.0.1:PORT``: each request becomes the ``httpx.Request`` the handler sees in
process (the URL's host is 127.0.0.1), and its ``httpx.Response`` goes back as it is. A
handler that raises (a lost answer the fake simulates) closes the connection unanswered.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

import httpx

Handler = Callable[[httpx.Request], httpx.Response]
_HOP = frozenset({"content-length", "transfer-encoding", "connection", "content-encoding"})


class Served:
    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _adapter(self))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> str:
        self._thread.start()
        return self.url

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _adapter(served: Served) -> type[BaseHTTPRequestHandler]:
    class Adapter(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def _any(self) -> None:
            size = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(size) if size else b""
            request = httpx.Request(
                self.command,
                f"{served.url}{self.path}",
                headers=[(k, v) for k, v in self.headers.items()],
                content=body,
            )
            try:
                response = served.handler(request)
            except Exception:  # the fake drops the answer: so does the socket
                self.close_connection = True
                return
            data = response.read()
            self.send_response(response.status_code)
            for name, value in response.headers.multi_items():
                if name.lower() not in _HOP:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _any

    return Adapter
