"""providers/_http: the default classification of an HTTP status says each thing once."""

from __future__ import annotations

import httpx
import pytest

from providers._http import status_error


@pytest.mark.parametrize("said", ["HTTP 500", "500", "500 Internal Server Error", " http 500 "])
def test_a_body_that_only_repeats_the_status_is_not_repeated(said: str) -> None:
    error = status_error(httpx.Response(500), "telegram sendMessage", sent=True, message=said)
    assert str(error) == "telegram sendMessage: the network failed (HTTP 500); will retry"


def test_what_the_network_says_beyond_the_status_is_kept() -> None:
    error = status_error(httpx.Response(400), "post", sent=True, message="chat not found")
    assert str(error) == "post: refused (HTTP 400): chat not found"
