"""One flow every built provider goes through, against its local fake.

auth URL (or ``Unsupported`` for networks without OAuth) → authenticate → refresh (a no-op
or ``Unsupported`` where nothing expires) → whoami → post a 2-part thread with an image
(text only where the network takes no media; a video where it takes only videos) → post
again with every part done (resumes, never reposts) → look-up (finds what went out, or says
``OutcomeUnknown``; never invents: a later occurrence of the same words, as a recurring
post's next run, is not this delivery).
A step in flight the provider names (``Outgoing.on_pending``) is handed back as ``pending``
on the rerun and the look-up, as the runner does when a run dies before its results.

The delivery's repository root (``Outgoing.root``) is the test's tmp dir. A ``document``
provider (``THREADS``: webhook, outbox) sends the whole thread as one part; a ``single``
network (no threads: Pinterest, YouTube, TikTok) gets a post of one part. Links are public
``https://`` URLs, except for a provider with no network (``AUTH = "none"``: the outbox),
whose link is the file it wrote, relative to the repository root.

To add a network, follow docs/adding-a-network.md. In short: in its fake module
``tests/providers/<network>/fake.py``, define ``CONTRACT``: a dict from a row name to a
context manager factory yielding ``(account, credentials, client)`` — an ``Account`` of
that provider whose ``base_url`` (or credentials, for webhook networks) points at the
fake, the credentials a person would give, and an
``httpx.Client`` on the fake's transport. Rows are collected from every fake module, so a
new network never edits this file. For ``AUTH = "oauth2"`` the fake's authorize URL must
auto-approve: a GET on it redirects to ``redirect_uri`` with ``code`` and ``state``; for
``AUTH = "browser"`` (MiAuth) with ``session``, which is the state.
A network that fetches media itself (``MEDIA.needs_public_url``: Threads) gets each image's
``url`` filled from ``MEDIA_BASE_URL`` in its fake module, as the runner fills it from
``media_base_url`` in socialgit.yml.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import importlib
import json
import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from providers import PROVIDERS, _pending
from providers.base import Credentials, Outgoing
from socialgit.errors import OutcomeUnknown, Unsupported
from socialgit.model import Account
from socialgit.runner import articles
from tests.providers._support import thread

Env = tuple[Account, Credentials, httpx.Client]
EnvFactory = Callable[[], AbstractContextManager[Env]]


def _rows() -> list[tuple[str, str, EnvFactory]]:
    """(provider, row name, env factory) from every ``<network>/fake.py`` beside this file."""
    rows = []
    for path in sorted(Path(__file__).parent.glob("*/fake.py")):
        module = importlib.import_module(f"tests.providers.{path.parent.name}.fake")
        for row, factory in getattr(module, "CONTRACT", {}).items():
            rows.append((row.split(":")[0], row, factory))
    return rows


CONTRACT = _rows()
# Built networks whose fakes have not joined the contract yet. Remove a name when its row
# lands (the test below fails while a name is here and a row exists, or vice versa).
NOT_YET: set[str] = set()

REDIRECT = "http://127.0.0.1:8788/callback"
WEEK = timedelta(days=7)
SAMPLE_KEYS: dict[str, str | tuple[str, ...]] = {
    "title": "Contract: a title",
    "link": "https://example.com/contract",
    "tags": ("contract", "socialgit"),
    "canonical_url": "https://example.com/contract",
    "excerpt": "Contract: an excerpt",
    "slug": "contract-slug",
}


def _built() -> set[str]:
    return {name for name, provider in PROVIDERS.items() if provider.post is not _pending.post}


def test_every_built_provider_is_in_the_contract() -> None:
    covered = {provider for provider, _, _ in CONTRACT}
    assert _built() - covered <= NOT_YET, "add a CONTRACT row for each built provider"
    assert not NOT_YET & covered, "a provider in CONTRACT is still listed in NOT_YET"


def _storable(credentials: Credentials) -> None:
    assert json.loads(json.dumps(credentials)) == credentials  # the vault stores JSON


def _authorize(client: httpx.Client, url: str, state: str) -> str:
    answer = client.get(url, follow_redirects=False)
    assert answer.is_redirect, "an OAuth fake auto-approves at its authorize URL"
    back = httpx.URL(answer.headers["location"])
    if "session" in back.params:  # MiAuth: the session id is the state, and the code
        assert str(back).startswith(REDIRECT) and back.params["session"] == state
        return back.params["session"]
    assert str(back).startswith(REDIRECT) and back.params["state"] == state
    return back.params["code"]


@pytest.mark.parametrize(
    ("name", "factory"), [(p, f) for p, _, f in CONTRACT], ids=[row for _, row, _ in CONTRACT]
)
def test_contract(name: str, factory: EnvFactory, tmp_path: Path) -> None:
    with factory() as (acct, given, client):
        _flow(name, acct, given, client, tmp_path)


def _flow(name: str, acct: Account, given: Credentials, client: httpx.Client, tmp: Path) -> None:
    provider = PROVIDERS[acct.provider]
    assert acct.provider == name

    # 1. The sign-in link, where the network has one.
    state, verifier = secrets.token_urlsafe(16), secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    challenge_text = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    code = ""
    if provider.AUTH in ("oauth2", "browser"):
        url = provider.generate_auth_url(acct, REDIRECT, state, challenge_text)
        # The S256 challenge, base64url as RFC 7636 spells it (TikTok's desktop flow: hex).
        hexed = digest.hex() in url
        assert state in url and (challenge_text in url or hexed or provider.AUTH == "browser")
        code = _authorize(client, url, state)
    else:
        with pytest.raises(Unsupported):
            provider.generate_auth_url(acct, REDIRECT, state, challenge_text)

    # 2. Credentials checked (or exchanged) and storable.
    stored = provider.authenticate(client, acct, code, verifier, REDIRECT, given)
    _storable(stored)

    # 3. Refresh: new credentials, the same ones, or Unsupported where nothing expires.
    try:
        credentials = provider.refresh_token(client, acct, stored)
    except Unsupported:
        credentials = stored
    _storable(credentials)
    expiry = provider.expires_at(credentials)
    assert expiry is None or (isinstance(expiry, datetime) and expiry.tzinfo is not None)

    who = provider.whoami(client, acct, credentials)
    assert who.get("id") and all(isinstance(v, str) for v in who.values())

    # 4. A two-part thread, with an image where the network takes one (a PNG, or a JPEG), or
    # a video where it takes only videos.
    kinds = [k for k in ("image/png", "image/jpeg") if k in provider.MEDIA.max_bytes]
    if not kinds and "video/mp4" in provider.MEDIA.max_bytes:
        kinds = ["video/mp4"]
    takes_media = provider.MEDIA.max_count > 0 and bool(kinds)
    texts = ("Contract: first part", "Contract: second part")
    if provider.THREADS == "single":
        texts = texts[:1]  # validation refuses a second part for this network
    image_on = 0 if takes_media else None
    mime = kinds[0] if kinds else "image/png"
    # The post keys a network requires (a Lemmy post's title), as a post would give them.
    needed = {k: SAMPLE_KEYS[k] for k, rule in provider.KEYS.items() if rule.required}
    article = provider.long_form(acct) is not None
    image = "media/dot.png" if mime == "image/png" else "media/dot.jpg"
    if article:  # one document, its image inside it (from content/launch.md)
        texts = (f"# Contract\n\nAn article with ![a dot](../{image}) in it.",)
    outgoing = replace(thread(tmp, *texts, image_on=image_on, mime=mime), root=tmp, keys=needed)
    if provider.MEDIA.needs_public_url:
        outgoing = _with_urls(outgoing, name)
    if article:  # rendered, its image uploaded, as the runner does before ``post``
        outgoing = articles.ready(provider, client, acct, credentials, outgoing, {}, _nothing)
        uploaded = outgoing.images[image].url
        assert uploaded and uploaded in outgoing.body and f"../{image}" not in outgoing.body
    # What the runner records before sending, for a network that prepares (Nostr).
    outgoing = replace(outgoing, prepared=provider.prepare(client, acct, credentials, outgoing))
    recorded: list[str] = []
    outgoing = replace(outgoing, on_pending=recorded.append)
    seen: list[str] = []
    receipt = provider.post(client, acct, credentials, outgoing, (), seen.append)
    one = article or provider.THREADS in ("document", "single")
    assert len(receipt.parts) == (1 if one else 2)
    assert receipt.parts[0] == receipt.id
    assert seen == list(receipt.parts)  # each part reported as it went out, in order
    _check_link(provider.AUTH, receipt.url, tmp)
    outgoing = replace(outgoing, pending=next((p for p in reversed(recorded) if p), ""))

    # 5. A rerun with every part done resumes: same ids, nothing new.
    again = provider.post(client, acct, credentials, outgoing, receipt.parts, _no_part)
    assert again.parts == receipt.parts and again.id == receipt.id

    # 6. The look-up finds what went out, or says it cannot tell.
    try:
        found = provider.lookup(client, acct, credentials, outgoing)
    except OutcomeUnknown:
        pass  # the runner then resends (RESEND_IN_DOUBT) or asks a person
    else:
        assert found is not None, "the delivery went out, the look-up must not deny it"
        # All of it, or its leading parts (the runner sends the rest, a network that finds
        # them there takes them: Instagram's comments under a post its container proves).
        assert found.id == receipt.id and found.parts
        assert found.parts == receipt.parts[: len(found.parts)]

    # ... and never invents a delivery that did not happen: another key, and a later
    # occurrence (the next run of a recurring post, with the same words), nothing in flight.
    never = replace(
        outgoing, key="sg-never-sent-0000", occurrence=outgoing.occurrence + WEEK, pending=""
    )
    if outgoing.prepared is not None:
        # A network that prepares signs a later occurrence later, so its bytes differ; signed
        # within the same second here, the same words would be the same Nostr event.
        never = replace(never, parts=thread(tmp, "Never sent", image_on=None).parts)
        never = replace(never, prepared=provider.prepare(client, acct, credentials, never))
    with contextlib.suppress(OutcomeUnknown):
        assert provider.lookup(client, acct, credentials, never) is None


def _check_link(auth: str, url: str | None, root: Path) -> None:
    if url is None or url.startswith("https://"):
        return
    # Only a provider with no network links to something other than a public page: the
    # file it wrote, which must be inside the repository.
    assert auth == "none", f"a link that is not https: {url}"
    written = (root / url).resolve()
    assert written.is_file() and written.is_relative_to(root.resolve())


def _with_urls(outgoing: Outgoing, name: str) -> Outgoing:
    base = importlib.import_module(f"tests.providers.{name}.fake").MEDIA_BASE_URL
    parts = tuple(
        replace(part, media=tuple(replace(m, url=f"{base}/{m.path}") for m in part.media))
        for part in outgoing.parts
    )
    return replace(outgoing, parts=parts)


def _nothing() -> None:
    pass


def _no_part(ident: str) -> Any:
    raise AssertionError(f"part {ident} was sent again on a rerun")
