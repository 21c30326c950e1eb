"""A real headless Chromium (Debian's ``chromium``), driven over the Chrome DevTools
Protocol: open a page, see every request it makes and every console message and error,
run a script in it, and take a screenshot.

No browser is downloaded: the binary is ``/usr/bin/chromium`` (``.ci/run`` installs the
Debian package), started with a fresh profile and with every background service off, so
the requests seen are the page's own.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-port=0",
)


def require_chromium() -> str:
    """The browser; in CI a missing install is a failure, elsewhere a skip."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    reason = "Chromium is missing: apt-get install chromium (.ci/run does)"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@dataclass
class Page:
    """One tab; what it did since it was opened is kept in the lists."""

    browser: Browser
    session: str
    requests: list[str] = field(default_factory=list)
    console: list[tuple[str, str]] = field(default_factory=list)  # (level, text)
    errors: list[str] = field(default_factory=list)  # uncaught exceptions, failed loads

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        return self.browser.send(method, params, self.session)

    def open(self, url: str, timeout: float = 30.0) -> None:
        self.send("Page.navigate", url=url)
        self.browser.wait(lambda m: m.get("method") == "Page.loadEventFired", timeout)

    def evaluate(self, expression: str) -> Any:
        answer = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in answer:
            raise AssertionError(f"{expression}: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    def screenshot(self, path: Path, width: int = 1280, height: int | None = None) -> Path:
        """The whole page at ``width`` (or its first ``height`` pixels)."""
        self.resize(width, 900)
        full = int(self.evaluate("document.documentElement.scrollHeight"))
        self.resize(width, min(full, height or full))
        shot = self.send("Page.captureScreenshot", format="png")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def resize(self, width: int, height: int) -> None:
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        time.sleep(0.3)  # let responsive charts redraw at the new size


class Browser:
    def __init__(self, binary: str, profile: Path) -> None:
        from websockets.sync.client import connect

        self.process = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not port_file.is_file() or len(port_file.read_text().splitlines()) < 2:
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.close()
                raise AssertionError("Chromium did not start its DevTools endpoint")
            time.sleep(0.05)
        port, path = port_file.read_text().splitlines()[:2]
        self.stack = ExitStack()
        self.socket = self.stack.enter_context(
            connect(f"ws://127.0.0.1:{port}{path}", max_size=None, open_timeout=30)
        )
        self.ids = itertools.count(1)
        self.pages: dict[str, Page] = {}
        self.started = time.monotonic()

    def send(self, method: str, params: dict[str, Any], session: str = "") -> dict[str, Any]:
        ident = next(self.ids)
        message: dict[str, Any] = {"id": ident, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self.socket.send(json.dumps(message))
        answer = self.wait(lambda m: m.get("id") == ident, 60)
        if "error" in answer:
            raise AssertionError(f"{method}: {answer['error']}")
        result: dict[str, Any] = answer.get("result", {})
        return result

    def wait(self, wanted: Any, timeout: float) -> dict[str, Any]:
        """Read messages (recording every page's events) until ``wanted(message)``."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("Chromium did not answer in time")
            message: dict[str, Any] = json.loads(self.socket.recv(timeout=left))
            self._record(message)
            if wanted(message):
                return message

    def _record(self, message: dict[str, Any]) -> None:
        page = self.pages.get(message.get("sessionId", ""))
        method, params = message.get("method", ""), message.get("params", {})
        if page is None or not method:
            return
        if method == "Network.requestWillBeSent":
            page.requests.append(params["request"]["url"])
        elif method == "Network.loadingFailed":
            page.errors.append(f"failed to load: {params.get('errorText')}")
        elif method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            page.console.append((params["type"], text))
        elif method == "Runtime.exceptionThrown":
            page.errors.append(str(params["exceptionDetails"]))
        elif method == "Log.entryAdded":
            entry = params["entry"]
            page.console.append((entry["level"], f"{entry.get('url', '')} {entry['text']}"))

    def page(self) -> Page:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        found = Page(self, session)
        self.pages[session] = found
        for domain in ("Page", "Runtime", "Network", "Log"):
            found.send(f"{domain}.enable")
        return found

    def close(self) -> None:
        stack = getattr(self, "stack", None)
        if stack is not None:
            stack.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        # Its helpers (renderers, the zygote, crashpad) outlive it for a moment and go on
        # writing into the profile, which is then removed: end its whole process group.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                return
            time.sleep(0.05)


@contextmanager
def chromium() -> Iterator[Browser]:
    binary = require_chromium()
    with tempfile.TemporaryDirectory(prefix="socialgit-chromium-") as profile:
        browser = Browser(binary, Path(profile))
        try:
            yield browser
        finally:
            browser.close()
