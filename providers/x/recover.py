"""Finding what went out on X, for a delivery in doubt and for X's duplicate refusal.

X keeps no idempotency key, so the only evidence is the account's own timeline
(``GET /2/users/:id/tweets``, newest first, up to 100 a page). A post is ours when it was
created after the delivery was due (less a margin for clock skew), its text is ours, it
carries as many media as our part, and it replies to the part before (the first part
replies to nothing). The text is compared as X returns it: ``&``, ``<`` and ``>`` come back
HTML-escaped, links come back as t.co links with their ``expanded_url`` beside them, and a
post with media ends with a t.co link to the media, which is dropped.

Any doubt stays a doubt: two candidates, or a timeline longer than we read, is
``OutcomeUnknown``; no match in a timeline read to its end is "nothing went out".
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import TYPE_CHECKING, Any

from providers.x import api as _x_api
from socialgit.errors import OutcomeUnknown

if TYPE_CHECKING:
    from datetime import datetime

    import httpx

    from providers.base import Credentials, OutgoingPart
    from socialgit.model import Account

MARGIN = timedelta(minutes=10)  # clocks differ; an earlier same text X would refuse anyway
PAGES = 5  # 500 posts since the delivery was due: more than an account posts in a run
_FIELDS = "created_at,referenced_tweets,entities,attachments,note_tweet"
_MEDIA_LINK = re.compile(r"/status/\d+/(photo|video)/\d+$")
_SLOT = "\x00"  # where a link stood in X's text; never in a post (validation refuses it)


@dataclass(frozen=True)
class Me:
    id: str
    username: str


@dataclass(frozen=True)
class Timeline:
    posts: list[dict[str, Any]]
    complete: bool  # read back to ``since``; False: more posts than we read


def me(client: httpx.Client, account: Account, credentials: Credentials) -> Me:
    answer = _x_api.call(client, account, credentials, "GET", "/2/users/me", op="X whoami")
    data = answer.get("data")
    data = data if isinstance(data, dict) else {}
    ident, username = data.get("id"), data.get("username")
    if not isinstance(ident, str) or not isinstance(username, str) or not ident:
        raise OutcomeUnknown(f"{account.name}: X did not say who the account is; will look again")
    return Me(ident, username)


def timeline(
    client: httpx.Client, account: Account, credentials: Credentials, who: Me, since: datetime
) -> Timeline:
    # X reads ``start_time`` as UTC: an occurrence with another offset, written as it is,
    # would start the window hours late and miss a post that went out.
    start = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    posts: list[dict[str, Any]] = []
    token: str | None = None
    for _ in range(PAGES):
        params = {"max_results": "100", "start_time": start, "tweet.fields": _FIELDS}
        if token:
            params["pagination_token"] = token
        answer = _x_api.call(
            client,
            account,
            credentials,
            "GET",
            f"/2/users/{who.id}/tweets",
            op="X recent posts",
            params=params,
        )
        page = answer.get("data")
        if isinstance(page, list):
            posts.extend(p for p in page if isinstance(p, dict))
        meta = answer.get("meta")
        token = meta.get("next_token") if isinstance(meta, dict) else None
        if not token:
            return Timeline(posts, complete=True)
    return Timeline(posts, complete=False)


def find_part(
    posts: list[dict[str, Any]], part: OutgoingPart, parent: str | None, what: str
) -> str | None:
    """The id of the one post that is ``part`` replying to ``parent``; None: no such post."""
    found = [
        str(p["id"])
        for p in posts
        if "id" in p
        and _replied_to(p) == parent
        and _media_count(p) == len(part.media)
        and same_text(p, part.text)
    ]
    if len(found) > 1:
        raise OutcomeUnknown(
            f"{len(found)} posts on X match {what} ({', '.join(found)}); "
            "cannot tell which one is this delivery"
        )
    return found[0] if found else None


def find_thread(
    posts: list[dict[str, Any]], parts: tuple[OutgoingPart, ...], post: str
) -> list[str]:
    """The ids of the leading parts found in order (stops at the first part not found)."""
    ids: list[str] = []
    for number, part in enumerate(parts, 1):
        found = find_part(posts, part, ids[-1] if ids else None, f"part {number} of {post}")
        if found is None:
            break
        ids.append(found)
    return ids


def _replied_to(post: dict[str, Any]) -> str | None:
    for ref in post.get("referenced_tweets") or ():
        if isinstance(ref, dict) and ref.get("type") == "replied_to":
            return str(ref.get("id"))
    return None


def _media_count(post: dict[str, Any]) -> int:
    attachments = post.get("attachments")
    keys = attachments.get("media_keys") if isinstance(attachments, dict) else None
    return len(keys) if isinstance(keys, list) else 0


def same_text(post: dict[str, Any], sent: str) -> bool:
    note = post.get("note_tweet")  # long posts: ``text`` is cut, the note holds all of it
    source = note if isinstance(note, dict) and isinstance(note.get("text"), str) else post
    text = str(source.get("text") or "")
    entities = source.get("entities")
    links = entities.get("urls") if isinstance(entities, dict) else None
    spans = []
    for link in links if isinstance(links, list) else ():
        short = link.get("url") if isinstance(link, dict) else None
        if isinstance(short, str) and short and short in text:
            spans.append((text.index(short), short, link))
    expanded: list[str] = []
    for _, short, link in sorted(spans, key=lambda span: span[0]):
        if link.get("media_key") or _MEDIA_LINK.search(str(link.get("expanded_url"))):
            text = text.replace(short, "", 1)  # the link X appends to a post with media
        else:
            expanded.append(str(link.get("expanded_url") or short))
            text = text.replace(short, _SLOT, 1)
    shape = _plain(html.unescape(text))
    pattern = r"(\S+)".join(re.escape(chunk) for chunk in shape.split(_SLOT))
    found = re.fullmatch(pattern, _plain(sent))
    if found is None:
        return False
    return all(_bare(a) == _bare(b) for a, b in zip(found.groups(), expanded, strict=False))


def _plain(text: str) -> str:
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n")).strip()


def _bare(url: str) -> str:
    return re.sub(r"^https?://(www\.)?", "", url.strip(), flags=re.IGNORECASE).rstrip("/").lower()
