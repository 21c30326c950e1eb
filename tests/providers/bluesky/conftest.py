"""One reference PDS per test session (per pytest-xdist worker), shared by the files here."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.providers.bluesky.pds_server import PdsServer, serve


@pytest.fixture(scope="session")
def pds() -> Iterator[PdsServer]:
    yield from serve()
