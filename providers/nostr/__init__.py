"""Nostr: kind-1 notes signed with the account's key, sent to its relays.

Exactly once, without any server keeping a key for us: an event's id is the hash of what it
says (``created_at`` included), and a relay that already holds an id answers "duplicate".
So ``prepare`` builds and signs the whole thread once (each part's NIP-10 tags name the ids
before it, which are known before anything is sent); the runner pushes those events as the
claim's ``prepared:`` before ``post`` sends them; every rerun sends the same bytes again and
the relays keep one copy. ``RESEND_IN_DOUBT`` is therefore True.

A part is out when ``quorum`` relays (default 1) accepted it; what each relay said goes into
the results (``relays:``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from providers.base import (
    IMAGE_TYPES,
    AuthKind,
    Credentials,
    MediaRules,
    OnPart,
    Outgoing,
    Receipt,
    Setting,
    ThreadStyle,
)
from providers.nostr import event
from providers.nostr.relay import Answer, Relay, check_url
from socialgit.errors import AuthRevoked, ProviderError, RateLimited, Rejected, Transient

if TYPE_CHECKING:
    import httpx

    from socialgit.model import Account, Part

NAME = "nostr"
TITLE = "Nostr"
THREADS: ThreadStyle = "replies"
_MIB = 1024 * 1024
# Relays take no files: images go to a Blossom server or are linked (providers.nostr.media).
MEDIA = MediaRules(max_count=4, max_bytes={t: 10 * _MIB for t in IMAGE_TYPES}, alt_max=1000)
SETTINGS: Mapping[str, Setting] = {
    "relays": Setting(list, required=True, help="the relays to publish to: wss:// URLs"),
    "quorum": Setting(int, help="relays that must accept a note (default 1)"),
    "blossom": Setting(str, help="a Blossom server to upload images to (https://…)"),
    "viewer": Setting(str, help="where links point, before nevent1… (default https://njump.me/)"),
    "limit": Setting(int, help="most characters per note (default 4096; relays set their own)"),
}
SECRETS: tuple[str, ...] = ("nsec",)
PROMPTS = {"nsec": "Nostr secret key (nsec1… or 64 hex digits)"}
AUTH: AuthKind = "token"
RESEND_IN_DOUBT = True  # a resend is the same signed event: relays keep one

DEFAULT_LIMIT = 4096  # nostr-relay's default content size; strfry allows 64 KiB events
DEFAULT_VIEWER = "https://njump.me/"
# A relay's refusal that a later try will not change (NIP-01 prefixes, NIP-42).
_FINAL = ("invalid:", "blocked:", "restricted:", "pow:", "auth-required:", "mute:")


def length(text: str) -> int:
    return len(text)


def limit(account: Account, part: Part) -> int:
    value = account.settings.get("limit")
    return value if isinstance(value, int) else DEFAULT_LIMIT


def _relays(account: Account) -> list[str]:
    relays = account.settings.get("relays")
    urls = [str(r) for r in relays] if isinstance(relays, list) else []
    if not urls:
        raise Rejected(f"account {account.name} lists no `relays:` to publish to")
    for url in urls:
        problem = check_url(url)
        if problem:
            raise Rejected(f"account {account.name}: {problem}")
    return urls


def _quorum(account: Account, relays: list[str]) -> int:
    value = account.settings.get("quorum")
    quorum = value if isinstance(value, int) else 1
    if quorum > len(relays):
        raise Rejected(
            f"account {account.name}: quorum {quorum} is more than its {len(relays)} relays"
        )
    return quorum


def _secret(account: Account, credentials: Credentials) -> bytes:
    if not credentials.get("nsec"):
        raise AuthRevoked(f"no Nostr key is stored: socialgit connect {account.name}")
    return event.secret_key(credentials["nsec"])


def authenticate(
    client: httpx.Client,
    account: Account,
    code: str,
    code_verifier: str,
    redirect_uri: str,
    credentials: Credentials,
) -> Credentials:
    """Check the key; it is stored as 64 hex digits, however it was given."""
    return {"nsec": _secret(account, credentials).hex()}


def whoami(client: httpx.Client, account: Account, credentials: Credentials) -> dict[str, str]:
    """Who the key is, and whether the relays can be reached (a REQ each)."""
    pubkey = event.public_key(_secret(account, credentials))
    relays = _relays(account)
    reached = []
    for url in relays:
        with Relay(url) as relay:
            if relay.find(["0" * 64]) is not None:
                reached.append(url)
    if not reached:
        raise Transient(f"none of the relays of account {account.name} answered")
    return {"id": pubkey, "name": event.npub(pubkey), "relays": f"{len(reached)} of {len(relays)}"}


# -- publishing ---------------------------------------------------------------------------


def prepare(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> dict[str, Any] | None:
    """Sign every part now: uploads images, fixes the text, tags and ``created_at``."""
    from providers.nostr.media import imeta

    secret = _secret(account, credentials)
    pubkey = event.public_key(secret)
    relays = _relays(account)
    _quorum(account, relays)  # a setting that can never be met fails before anything is made
    hint = relays[0]
    start = int(time.time())
    signed: list[dict[str, Any]] = []
    for index, part in enumerate(outgoing.parts):
        lines, tags = [part.text] if part.text else [], []
        for media in part.media:
            url, tag = imeta(client, account, secret, media)
            lines.append(url)
            tags.append(tag)
        if signed:  # NIP-10: the root, and the part answered (when it is not the root)
            tags.append(["e", signed[0]["id"], hint, "root", pubkey])
            if len(signed) > 1:
                tags.append(["e", signed[-1]["id"], hint, "reply", pubkey])
            tags.append(["p", pubkey])
        # One second apart, so clients that sort by time show the thread in order.
        signed.append(event.sign(secret, start + index, 1, tags, "\n".join(lines)))
    return {"events": [event.dumps(e) for e in signed]}


def _events(outgoing: Outgoing) -> list[tuple[str, str]]:
    """(id, JSON) of each recorded event, as ``prepare`` made them."""
    prepared = outgoing.prepared or {}
    recorded = prepared.get("events")
    if not isinstance(recorded, list) or not recorded:
        raise ProviderError(
            f"{outgoing.post}: no signed Nostr events were recorded for this delivery (the "
            "runner records them before sending); delete its results entry to start again"
        )
    found = []
    for text in recorded:
        try:
            ident = json.loads(text)["id"]
        except (TypeError, ValueError, KeyError):
            raise ProviderError(f"{outgoing.post}: a recorded Nostr event is damaged") from None
        found.append((str(ident), str(text)))
    return found


def _link(account: Account, ident: str, relays: list[str], pubkey: str) -> str:
    viewer = account.settings.get("viewer")
    base = viewer if isinstance(viewer, str) and viewer else DEFAULT_VIEWER
    return f"{base}{event.nevent(ident, relays, pubkey)}"


def post(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    outgoing: Outgoing,
    done: tuple[str, ...],
    on_part: OnPart,
) -> Receipt:
    events = _events(outgoing)
    urls = _relays(account)
    quorum = _quorum(account, urls)
    said: dict[str, str] = {}
    ids = list(done)
    connections = [Relay(url) for url in urls]
    try:
        for ident, text in events[len(done) :]:
            answers = {relay.url: relay.publish(text, ident) for relay in connections}
            for url, answer in answers.items():
                if not answer.accepted or said.get(url, "accepted") == "accepted":
                    said[url] = _outcome(answer)
            if sum(a.accepted for a in answers.values()) < quorum:
                raise _failure(ident, quorum, answers)
            ids.append(ident)
            on_part(ident)
    finally:
        for relay in connections:
            relay.close()
    pubkey = json.loads(events[0][1])["pubkey"]
    accepted = [url for url in urls if said.get(url, "accepted") == "accepted"]
    details = {"relays": said} if said else {}
    return Receipt(ids[0], _link(account, ids[0], accepted, pubkey), tuple(ids), details)


def _outcome(answer: Answer) -> str:
    if answer.accepted:
        return "accepted"
    return f"{'rejected' if answer.answered else 'failed'}: {answer.message or 'no reason given'}"


def _failure(ident: str, quorum: int, answers: Mapping[str, Answer]) -> ProviderError:
    words = "; ".join(f"{url}: {_outcome(a)}" for url, a in answers.items())
    what = f"Nostr: fewer than {quorum} relay(s) accepted note {ident[:12]}… ({words})"
    refusals = [a.message for a in answers.values() if a.answered and not a.accepted]
    if refusals and len(refusals) == len(answers):
        if all(m.startswith("rate-limited:") for m in refusals):
            return RateLimited(what)
        if all(m.startswith(_FINAL) for m in refusals):
            return Rejected(what)
    # Unreachable relays, or a mix: the same events go again later, which is harmless.
    return Transient(f"{what}; will retry")


def lookup(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> Receipt | None:
    """Whether ``quorum`` relays hold every recorded event. Nothing recorded: nothing was
    sent, since the runner sends only what it has pushed."""
    if outgoing.prepared is None:
        return None
    events = _events(outgoing)
    ids = [ident for ident, _ in events]
    urls = _relays(account)
    holding, asked = [], 0
    for url in urls:
        with Relay(url) as relay:
            found = relay.find(ids)
        if found is not None:
            asked += 1
            if found == set(ids):
                holding.append(url)
    if len(holding) >= _quorum(account, urls):
        pubkey = json.loads(events[0][1])["pubkey"]
        said = {url: ("accepted" if url in holding else "lacks part of it") for url in urls}
        return Receipt(
            ids[0], _link(account, ids[0], holding, pubkey), tuple(ids), {"relays": said}
        )
    if not asked:
        raise Transient(f"none of the relays of account {account.name} answered a look-up")
    return None  # resending the same events completes it
