"""Run the CLI in-process and capture what a person would see."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from socialgit.cli import main


@dataclass
class Outcome:
    code: int
    out: str
    err: str


def run(capsys: pytest.CaptureFixture[str], *args: str) -> Outcome:
    capsys.readouterr()
    with pytest.raises(SystemExit) as stop:
        main(list(args))
    captured = capsys.readouterr()
    code = stop.value.code if isinstance(stop.value.code, int) else 1
    assert "Traceback" not in captured.out + captured.err
    return Outcome(code, captured.out, captured.err)
