"""A token in the git remote's URL is a secret; the rest of the URL is not.

In Actions every registered value is masked from the whole log, so registering the whole
remote URL would turn every mention of the repository into ``***``."""

from __future__ import annotations

import pytest

from socialgit import redact
from socialgit.credentials.vault_sync import Git
from tests.conftest import Repo


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        ("https://x-access-token:ghs_runnerTOKEN123456@github.com/acme/posts.git", "ghs_runner"),
        ("https://ghp_personalTOKEN1234567@github.com/acme/posts.git", "ghp_personal"),
        ("https://github.com/acme/posts.git", None),
        ("git@github.com:acme/posts.git", None),
    ],
)
def test_only_the_credential_of_the_remote_url_is_registered(
    repo: Repo, url: str, secret: str | None
) -> None:
    repo.git("init", "-q", "-b", "main")
    repo.git("remote", "add", "origin", url)
    redact.forget_all()
    git = Git.at(repo.root)
    assert git is not None and git.upstream() is not None
    found = redact.registered()
    assert url not in found
    assert "acme/posts.git" in redact.scrub(f"pushed to {url}")
    if secret is None:
        assert not found
    else:
        assert any(value.startswith(secret) for value in found)
        assert secret not in redact.scrub(f"pushed to {url}")
