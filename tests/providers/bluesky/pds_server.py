"""The reference atproto PDS (with a PLC directory) from npm, run on loopback for tests.

``tests/pds/start.js`` starts both servers and prints their URLs; this module runs it, makes
accounts and app passwords on it, and stops it. Install with
``npm_config_nodedir=/usr npm ci --prefix tests/pds`` (better-sqlite3 compiles against the
local Node headers; about two minutes cold).
"""

from __future__ import annotations

import itertools
import json
import os
import selectors
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

PDS_DIR = Path(__file__).resolve().parents[2] / "pds"
START_TIMEOUT = 60.0


def require_pds() -> str:
    """The node binary; in CI a missing install is a failure, elsewhere a skip."""
    node = shutil.which("node")
    if node and (PDS_DIR / "node_modules" / "@atproto" / "pds").is_dir():
        return node
    reason = "reference PDS missing: run `npm_config_nodedir=/usr npm ci --prefix tests/pds`"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@dataclass(frozen=True)
class PdsAccount:
    handle: str
    did: str
    password: str  # the account password (for admin-like calls in tests)
    access_jwt: str
    app_password: str


class PdsServer:
    """A running PDS: its URL, and helpers that make accounts the way a person would."""

    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __init__(self, url: str, plc: str, admin_password: str, jwt_secret: str) -> None:
        self.url = url
        self.plc = plc
        self.admin_password = admin_password
        self.jwt_secret = jwt_secret
        self.client = httpx.Client(base_url=url, timeout=30)
        self._names = itertools.count(1)
        self.startup_seconds = 0.0

    def xrpc(self, method: str, nsid: str, token: str | None = None, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self.client.request(method, f"/xrpc/{nsid}", headers=headers, **kw)
        if not response.is_success:
            raise AssertionError(f"{nsid}: HTTP {response.status_code} {response.text[:500]}")
        return response.json() if response.content else None

    def create_account(self, name: str = "user") -> PdsAccount:
        handle = f"{name}{next(self._names)}.test"
        password = f"pw-{handle}"
        made = self.xrpc(
            "POST",
            "com.atproto.server.createAccount",
            json={"handle": handle, "email": f"{handle}@example.com", "password": password},
        )
        app = self.xrpc(
            "POST",
            "com.atproto.server.createAppPassword",
            token=made["accessJwt"],
            json={"name": "socialgit"},
        )
        return PdsAccount(handle, made["did"], password, made["accessJwt"], app["password"])

    def list_records(self, did: str, collection: str = "app.bsky.feed.post") -> list[Any]:
        answer = self.xrpc(
            "GET",
            "com.atproto.repo.listRecords",
            params={"repo": did, "collection": collection, "limit": 100},
        )
        records: list[Any] = answer["records"]
        return records

    def get_record(self, uri: str) -> Any:
        did, collection, rkey = uri.removeprefix("at://").split("/")
        return self.xrpc(
            "GET",
            "com.atproto.repo.getRecord",
            params={"repo": did, "collection": collection, "rkey": rkey},
        )


def serve() -> Iterator[PdsServer]:
    """Start the servers, yield them, stop them (the body of the session fixture)."""
    node = require_pds()
    with tempfile.TemporaryFile() as stderr:
        started = time.monotonic()
        process = subprocess.Popen(
            [node, str(PDS_DIR / "start.js")],
            cwd=PDS_DIR,
            stdin=subprocess.PIPE,  # closing it stops the servers, even if pytest dies
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
        try:
            ready = _wait_ready(process, stderr)
            server = PdsServer(
                ready["pds"], ready["plc"], ready["adminPassword"], ready["jwtSecret"]
            )
            server.startup_seconds = time.monotonic() - started
            try:
                yield server
            finally:
                server.client.close()
        finally:
            _stop(process)


def _wait_ready(process: subprocess.Popen[bytes], stderr: Any) -> dict[str, Any]:
    assert process.stdout is not None
    deadline = time.monotonic() + START_TIMEOUT
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if not selector.select(timeout=deadline - time.monotonic()):
                break
            line = process.stdout.readline()
            if not line:
                break  # exited
            try:
                message = json.loads(line)
            except ValueError:
                continue  # stray log output
            if isinstance(message, dict) and message.get("ready"):
                return message
    stderr.seek(0)
    tail = stderr.read().decode(errors="replace")[-3000:]
    raise AssertionError(f"tests/pds/start.js did not get ready: {tail}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.stdin is not None:
        process.stdin.close()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stdout is not None:
        process.stdout.close()


@pytest.fixture(scope="session")
def pds_server() -> Iterator[PdsServer]:
    yield from serve()
