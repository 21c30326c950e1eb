"""A video upload with Google's resumable protocol: the session is the receipt.

1. ``POST /upload/youtube/v3/videos?uploadType=resumable&part=snippet,status`` with the
   video's metadata and ``X-Upload-Content-Length`` / ``-Type``: the answer's ``Location`` is
   the session's address. Nothing is on the channel yet: YouTube creates the video when the
   session's last byte arrives.
2. The caller records the address (sealed, :func:`seal`) as the delivery's pending id; only
   then does a byte go (``providers/youtube/__init__``).
3. ``PUT`` the bytes in chunks, each a multiple of 256 KiB but the last, with ``Content-Range:
   bytes a-b/total``: ``308 Resume Incomplete`` with ``Range: bytes=0-N`` says how far it
   got; the last chunk's answer is ``200``/``201`` with the video resource.
4. In doubt, ``PUT`` with ``Content-Range: bytes */total`` and no body asks the session: ``308``
   (go on from N+1) or ``200``/``201`` (the video). ``404``/``410``: the session is gone.

A session address lets whoever holds it send the bytes of a video into the channel, so it is
handled as a credential: never in a message or a log line, and written into the post's
results only sealed with AES-GCM under a key derived from the app's client secret, bound to
the delivery's key.
"""

from __future__ import annotations

import base64
import os
import re
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from providers import _http
from providers.youtube import api as _yt_api
from socialgit.errors import OutcomeUnknown, ProviderError, Rejected, Transient

if TYPE_CHECKING:
    import httpx

    from providers.base import Credentials, OutgoingMedia
    from socialgit.model import Account

QUANTUM = 256 * 1024  # every chunk but the last is a multiple of this
CHUNK = 32 * QUANTUM  # 8 MiB a request
RETRIES = 3  # a chunk that fails is asked about and sent again at most this often a call
_RANGE = re.compile(r"bytes=0-(\d+)")
_SEALED = "v1:"


class SessionGone(ProviderError):
    """The session answers 404/410: expired or unknown; it can neither finish nor tell."""


# -- the session's address, sealed ----------------------------------------------------------
def _key(secret: str) -> bytes:
    kdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"socialgit/youtube-session")
    return kdf.derive(secret.encode("utf-8"))


def seal(session: str, secret: str, key: str) -> str:
    """``session`` encrypted under ``secret``, bound to the delivery ``key``."""
    nonce = os.urandom(12)
    sealed = AESGCM(_key(secret)).encrypt(nonce, session.encode("utf-8"), key.encode("utf-8"))
    return _SEALED + base64.urlsafe_b64encode(nonce + sealed).decode("ascii").rstrip("=")


def unseal(value: str, secret: str, key: str) -> str | None:
    """The session address; None when it was sealed under another secret or delivery."""
    if not value.startswith(_SEALED):
        return None
    text = value[len(_SEALED) :]
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        plain = AESGCM(_key(secret)).decrypt(raw[:12], raw[12:], key.encode("utf-8"))
    except (ValueError, InvalidTag):
        return None
    return plain.decode("utf-8")


# -- the protocol -----------------------------------------------------------------------------
def start(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    metadata: dict[str, Any],
    media: OutgoingMedia,
    size: int,
) -> str:
    """Open a session for ``media`` with ``metadata`` (snippet and status); its address."""
    token = _yt_api.access_token(account, credentials)
    op = "YouTube upload (start)"
    response = _http.send(
        client,
        "POST",
        f"{_yt_api.root(account)}/upload/youtube/v3/videos",
        op=op,
        secrets=(token,),
        idempotent=True,  # a session is not a video: one more is harmless
        params={"uploadType": "resumable", "part": "snippet,status"},
        headers={
            "Authorization": f"Bearer {token}",
            "X-Upload-Content-Length": str(size),
            "X-Upload-Content-Type": media.mime,
        },
        json=metadata,
    )
    if not response.is_success:
        raise _yt_api.error(response, op, account, sent=False)
    session = str(response.headers.get("location", ""))
    if not session.startswith(("https://", "http://")):
        raise Transient(f"{op}: YouTube opened no upload session; will retry")
    return session


def probe(
    client: httpx.Client, account: Account, credentials: Credentials, session: str, size: int
) -> dict[str, Any] | int:
    """The video, when the session has every byte; else the offset to go on from."""
    response = _put(client, account, credentials, session, b"", f"bytes */{size}", "ask")
    return _answer(response, account, "YouTube upload (ask)", session)


def send(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    session: str,
    media: OutgoingMedia,
    offset: int,
    size: int,
) -> dict[str, Any]:
    """The bytes from ``offset`` on; the video resource YouTube answers the last chunk with."""
    failures = 0
    with media.file.open("rb") as handle:
        while True:
            end = min(offset + CHUNK, size)
            handle.seek(offset)
            chunk = handle.read(end - offset)
            if len(chunk) != end - offset:
                raise Rejected(f"{media.path} changed while it was uploaded; upload it again")
            last = end == size
            try:
                response = _put(
                    client, account, credentials, session, chunk, f"bytes {offset}-{end - 1}/{size}"
                )
                got = _answer(response, account, "YouTube upload", session, last=last)
            except (Transient, OutcomeUnknown) as exc:
                failures += 1
                got = _after_failure(
                    client, account, credentials, session, size, last, failures, exc
                )
            if isinstance(got, dict):
                return got
            offset = got


def _after_failure(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    session: str,
    size: int,
    last: bool,
    failures: int,
    failure: ProviderError,
) -> dict[str, Any] | int:
    """A chunk without a clear answer: ask the session how far it got."""
    try:
        if failures <= RETRIES:
            return probe(client, account, credentials, session, size)
    except (Transient, OutcomeUnknown):
        pass
    if last:  # the last bytes may have made the video: only the session can tell
        raise OutcomeUnknown(
            f"{failure}; the upload's last bytes may have made the video, so a later run asks "
            "the upload session"
        )
    raise Transient(f"{failure}; the upload resumes where it stopped on a later run")


def _put(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    session: str,
    body: bytes,
    content_range: str,
    what: str = "",
) -> httpx.Response:
    import httpx

    token = _yt_api.access_token(account, credentials)
    headers = {"Content-Range": content_range, "Content-Length": str(len(body))}
    # The token goes only where the API lives: a session address elsewhere gets the bytes alone.
    if httpx.URL(session).host == httpx.URL(_yt_api.root(account)).host:
        headers["Authorization"] = f"Bearer {token}"
    upload_id = httpx.URL(session).params.get("upload_id", "")
    return _http.send(
        client,
        "PUT",
        session,
        op=f"YouTube upload{f' ({what})' if what else ''}",
        # The session's id, not its address: every query value of a registered URL would be
        # masked ("resumable", "snippet,status" too). send() keeps the address out of errors.
        secrets=(token, upload_id),
        idempotent=True,  # classified by the caller, which asks the session when in doubt
        headers=headers,
        content=body,
    )


def _answer(
    response: httpx.Response, account: Account, op: str, session: str, *, last: bool = False
) -> dict[str, Any] | int:
    status = response.status_code
    if status in (200, 201):
        video = _http.json_object(response, op, sent=True)
        if not isinstance(video.get("id"), str) or not video["id"]:
            raise OutcomeUnknown(f"{op}: the upload finished but YouTube named no video")
        return video
    if status == 308:
        found = _RANGE.fullmatch(response.headers.get("range", "").strip())
        return int(found[1]) + 1 if found else 0  # no Range: nothing arrived yet
    if status in (404, 410):
        raise SessionGone(f"{op}: the upload session is gone (HTTP {status})")
    if status >= 500:
        raise (OutcomeUnknown if last else Transient)(f"{op}: YouTube failed (HTTP {status})")
    raise _yt_api.error(response, op, account, sent=last)
