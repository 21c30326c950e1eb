"""Play the browser, run the CLI with stdin, seed a vault."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from socialgit.cli import main


def browser(url: str) -> httpx.Response:
    """What a person's browser does: open the sign-in URL (the server grants at once) and
    follow its redirect to the loopback callback."""
    with httpx.Client(follow_redirects=False, timeout=10) as client:
        answer = client.get(url)
        assert answer.status_code in (302, 303), answer.text
        return client.get(answer.headers["Location"])


@dataclass
class Outcome:
    code: int
    out: str
    err: str


def cli(*args: str, stdin: str = "") -> Outcome:
    """``socialgit ARGS`` in-process through ``main`` (exit codes as a person gets them)."""
    runner = CliRunner()
    with runner.isolation(input=stdin) as (out, err, _):
        with pytest.raises(SystemExit) as stop:
            main(list(args))
        code = stop.value.code if isinstance(stop.value.code, int) else 1
        result = Outcome(code, out.getvalue().decode(), err.getvalue().decode())
    assert "Traceback" not in result.out + result.err
    return result


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


__all__ = ["Outcome", "browser", "cli", "io", "read"]
