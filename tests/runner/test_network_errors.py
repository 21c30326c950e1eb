"""What a network's error becomes in ``socialgit publish``'s output, the post file and the
pushed commits: no secret the run loaded, whatever the network echoed, and advice said once.

The network is a Telegram Bot API stand-in on 127.0.0.1 (the real provider, pointed at it
with ``base_url``) that answers like a server, or a proxy in front of it, that echoes the
request path, token included, into its error ``description``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote

import pytest

from socialgit.credentials.vault import Vault, new_key
from tests.runner.conftest import T0, World, git, publish

ECHO = "123456789:AAHechoedBotTokenSecret0123456789"
ENCODED = "223456789:AAHencodedBotTokenSecret012345678"
EXPIRED = "323456789:AAHexpiredBotTokenSecret01234567"
BROKEN = "423456789:AAHbrokenBotTokenSecret012345678"


class BotApi:
    """Answers each token's requests its own way (see ``answer``)."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                api.paths.append(self.path)
                status, body = api.answer(self.path)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def answer(self, path: str) -> tuple[int, dict[str, Any]]:
        if ECHO in path:
            said = f"Bad Request: chat not found (POST {path})"
            return 400, {"ok": False, "error_code": 400, "description": said}
        if ENCODED in path:
            said = f"Bad Request: no route for {quote(path, safe='')}"
            return 400, {"ok": False, "error_code": 400, "description": said}
        if EXPIRED in path:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        return 500, {"ok": False, "error_code": 500}  # no description: only the status

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def bot() -> Iterator[BotApi]:
    found = BotApi()
    yield found
    found.close()


ACCOUNTS = {"tg-echo": ECHO, "tg-encoded": ENCODED, "tg-expired": EXPIRED, "tg-broken": BROKEN}


def test_no_loaded_secret_reaches_output_files_or_commits(world: World, bot: BotApi) -> None:
    config = "timezone: UTC\nmissed_after: 6h\naccounts:\n" + "".join(
        f"  {name}:\n    provider: telegram\n    chat: '@news'\n    base_url: {bot.url}\n"
        for name in ACCOUNTS
    )
    world.write("socialgit.yml", config)
    key = new_key()
    vault = Vault.open(world.seed, key=key)
    for name, token in ACCOUNTS.items():
        vault.put(name, {"bot_token": token})
    vault.save()
    posts = {name: world.post(name, f"[{name}]") for name in ACCOUNTS}
    world.push()
    repo = world.clone()
    done = publish(repo, "--at", T0, SOCIALGIT_KEY=key)
    assert done.returncode == 1, done.stdout + done.stderr
    assert sorted(p.split("/")[1] for p in bot.paths) == sorted(
        f"bot{t}" for t in ACCOUNTS.values()
    )
    history = git(world.remote, "log", "-p", "main")
    files = "".join(world.remote_file(rel) for rel in posts.values())
    for token in ACCOUNTS.values():
        secret = token.split(":")[1]
        for where in (done.stdout, done.stderr, history, files):
            assert secret not in where and quote(token, safe="") not in where
    lines = {
        line.split()[1]: line for line in done.stdout.splitlines() if line.startswith("FAILED")
    }
    assert "chat not found (POST /bot***/sendMessage)" in lines["tg-echo"]
    assert "no route for" in lines["tg-encoded"] and "***" in lines["tg-encoded"]
    # Advice once, in one wording.
    assert lines["tg-expired"].count("socialgit connect tg-expired") == 1
    retry = next(line for line in done.stdout.splitlines() if "tg-broken" in line)
    assert "(HTTP 500); will retry" in retry and "HTTP 500): HTTP 500" not in retry
