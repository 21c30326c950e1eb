"""Run a reference implementation from npm (under tests/node) over many inputs at once.

Each script in tests/node reads one JSON value per line on stdin and answers one JSON value per
line on stdout, so a whole corpus costs one Node start-up.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

NODE_DIR = Path(__file__).parent / "node"


def require_node() -> str:
    """The node binary; in CI a missing peer is a failure, elsewhere a skip."""
    node = shutil.which("node")
    installed = (NODE_DIR / "node_modules").is_dir()
    if node and installed:
        return node
    reason = "Node test peers missing: run `npm ci --prefix tests/node`"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def run_script(script: str, inputs: list[Any]) -> list[Any]:
    node = require_node()
    payload = "".join(json.dumps(item) + "\n" for item in inputs)
    done = subprocess.run(
        [node, str(NODE_DIR / script)],
        input=payload,
        capture_output=True,
        text=True,
        cwd=NODE_DIR,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"{script} failed: {done.stderr[-2000:]}")
    answers = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert len(answers) == len(inputs), f"{script} answered {len(answers)} of {len(inputs)}"
    return answers
