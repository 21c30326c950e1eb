"""``socialgit connect`` for Lemmy: the user name and password asked by their names, the
login checked and stored with its token."""

from __future__ import annotations

from pathlib import Path

from socialgit.credentials.connect import connect
from socialgit.credentials.vault import Vault, new_key
from tests.providers._support import account
from tests.providers.lemmy.fake import FakeLemmy


def _vault(tmp_path: Path) -> Vault:
    return Vault.open(tmp_path, key=new_key())


def test_lemmy_asks_for_its_user_name_and_password_by_their_names(tmp_path: Path) -> None:
    fake = FakeLemmy()
    vault = _vault(tmp_path)
    lemmy = account("lemmy", "forum", instance=fake.base, community="news")
    answers = {"user name": "alice", "Password": "correct horse"}
    asked: list[str] = []

    def ask(prompt: str, optional: bool) -> str:
        asked.append(prompt)
        return next(value for label, value in answers.items() if label in prompt)

    with fake.client() as client:
        meta = connect(vault, lemmy, client, ask=ask, show=print, timeout=10)
    assert asked == ["forum: Lemmy user name (or email)", "forum: Password"]
    assert meta["handle"] == "@alice@lemmy.example"
    stored = vault.get("forum")
    assert stored is not None and stored["access_token"] in fake.logins
