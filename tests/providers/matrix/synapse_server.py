"""A real Matrix homeserver for the tests: Synapse from PyPI with SQLite, on 127.0.0.1.

Synapse lives in its own virtualenv (its dependencies are many and pinned its own way):
``.ci/run`` makes it from ``synapse-requirements.txt`` at ``$SOCIALGIT_SYNAPSE_VENV``
(default ``~/.cache/socialgit-test-peers/synapse-<version>``). The config is written here, not
generated (``--generate-config`` costs seconds of imports): a loopback listener, SQLite and
media in a temporary folder, a signing key made here, no key servers, and message rate
limits raised so that bursts of test posts are not throttled. Users are registered through
the shared-secret admin API, as ``register_new_matrix_user`` does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import os
import secrets
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.providers.nostr.relay_server import free_port

REQUIREMENTS = Path(__file__).with_name("synapse-requirements.txt")
VERSION = REQUIREMENTS.read_text().split("==")[1].strip()
START_TIMEOUT = 180.0  # seconds: its imports are slow on a busy 2-core machine


def venv() -> Path:
    default = Path.home() / ".cache" / "socialgit-test-peers" / f"synapse-{VERSION}"
    return Path(os.environ.get("SOCIALGIT_SYNAPSE_VENV") or default)


def require_synapse() -> Path:
    python = venv() / "bin" / "python"
    if python.is_file():
        return python
    reason = f"Synapse missing: {python} (bash .ci/run installs it)"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@dataclass(frozen=True)
class User:
    user_id: str
    password: str
    token: str


class Synapse:
    __test__ = False

    def __init__(self, url: str, shared_secret: str) -> None:
        self.url = url
        self.server_name = "localhost"
        self._secret = shared_secret
        self.client = httpx.Client(base_url=url, timeout=30)
        self._names = itertools.count(1)
        self.startup_seconds = 0.0

    def call(self, method: str, path: str, token: str | None = None, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        answer = self.client.request(method, path, headers=headers, **kw)
        if not answer.is_success:
            raise AssertionError(f"{method} {path}: {answer.status_code} {answer.text[:300]}")
        return answer.json()

    def register(self, name: str = "bot") -> User:
        """A new user, registered with the shared secret, and logged in once."""
        user = f"{name}{next(self._names)}"
        password = f"pw-{user}-{secrets.token_hex(4)}"
        nonce = self.call("GET", "/_synapse/admin/v1/register")["nonce"]
        mac = hmac.new(self._secret.encode(), digestmod=hashlib.sha1)
        mac.update(b"\x00".join([nonce.encode(), user.encode(), password.encode(), b"notadmin"]))
        body = {"nonce": nonce, "username": user, "password": password, "mac": mac.hexdigest()}
        made = self.call("POST", "/_synapse/admin/v1/register", json=body)
        return User(made["user_id"], password, made["access_token"])

    def create_room(self, owner: User, alias: str | None = None) -> str:
        body: dict[str, Any] = {"preset": "public_chat"}
        if alias:
            body["room_alias_name"] = alias
        room: str = self.call("POST", "/_matrix/client/v3/createRoom", owner.token, json=body)[
            "room_id"
        ]
        return room

    def messages(self, room: str, reader: User) -> list[dict[str, Any]]:
        """The room's m.room.message events, oldest first, as a client reads them."""
        answer = self.call(
            "GET",
            f"/_matrix/client/v3/rooms/{room}/messages",
            reader.token,
            params={"dir": "b", "limit": 100},
        )
        found = [e for e in answer["chunk"] if e.get("type") == "m.room.message"]
        return list(reversed(found))


def _config(folder: Path, port: int, secret: str) -> Path:
    seed = base64.b64encode(os.urandom(32)).decode().rstrip("=")
    (folder / "signing.key").write_text(f"ed25519 a_test {seed}\n")
    limits = {"per_second": 1000, "burst_count": 1000}
    config = {
        "server_name": "localhost",
        "pid_file": str(folder / "homeserver.pid"),
        "listeners": [
            {
                "port": port,
                "bind_addresses": ["127.0.0.1"],
                "type": "http",
                "tls": False,
                "x_forwarded": False,
                "resources": [{"names": ["client"], "compress": False}],
            }
        ],
        "database": {"name": "sqlite3", "args": {"database": str(folder / "homeserver.db")}},
        "media_store_path": str(folder / "media"),
        "registration_shared_secret": secret,
        "report_stats": False,
        "macaroon_secret_key": secrets.token_hex(16),
        "form_secret": secrets.token_hex(16),
        "signing_key_path": str(folder / "signing.key"),
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "rc_message": limits,
        "rc_login": {"address": limits, "account": limits, "failed_attempts": limits},
    }
    path = folder / "homeserver.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def serve() -> Iterator[Synapse]:
    python = require_synapse()
    with tempfile.TemporaryDirectory(prefix="synapse-") as temp:
        folder = Path(temp)
        port, secret = free_port(), secrets.token_hex(16)
        config = _config(folder, port, secret)
        started = time.monotonic()
        with open(folder / "synapse.log", "wb") as log:
            process = subprocess.Popen(
                [str(python), "-m", "synapse.app.homeserver", "--config-path", str(config)],
                cwd=folder,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            server = Synapse(f"http://127.0.0.1:{port}", secret)
            _wait(server, process, folder)
            server.startup_seconds = time.monotonic() - started
            yield server
            server.client.close()
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait(server: Synapse, process: subprocess.Popen[bytes], folder: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if server.client.get("/_matrix/client/versions").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    tail = (folder / "synapse.log").read_text(errors="replace")[-3000:]
    raise AssertionError(f"Synapse did not start: {tail}")
