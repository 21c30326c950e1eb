"""The outbox has no network: its "fake" is a client that fails any request, so the
contract also proves that the outbox writes its files without going online."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import httpx

from socialgit.model import Account
from tests.providers._support import account


def _offline(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"the outbox made a request: {request.method} {request.url}")


@contextlib.contextmanager
def _contract_env() -> Iterator[tuple[Account, dict[str, Any], httpx.Client]]:
    with httpx.Client(transport=httpx.MockTransport(_offline)) as client:
        # The folder is resolved against Outgoing.root, which the contract sets to its tmp dir.
        yield account("outbox", path="out/box"), {}, client


# Rows of tests/providers/test_contract.py: "<provider>[:<way in>]" → env factory.
CONTRACT = {"outbox": _contract_env}
