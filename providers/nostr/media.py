"""Images for a Nostr note: a public URL in the text and a NIP-92 ``imeta`` tag beside it.

Nostr has no attachments. An image is either uploaded to the account's Blossom server
(``blossom:``; BUD-02 ``PUT /upload`` with the raw bytes, authorised by a kind-24242 event
signed with the account's key) or, without one, linked from ``media_base_url`` where the
repository's files are served. Uploads are addressed by the bytes' sha256, so uploading the
same image again is harmless (the server answers 200 with the same descriptor).
"""

from __future__ import annotations

import base64
import hashlib
import time
from typing import TYPE_CHECKING

from providers import _http
from providers.base import OutgoingMedia
from providers.nostr import event
from socialgit.errors import AuthRevoked, Rejected

if TYPE_CHECKING:
    import httpx

    from socialgit.model import Account

AUTH_LIFETIME = 300  # seconds an upload authorisation stays valid


def imeta(
    client: httpx.Client, account: Account, secret: bytes, media: OutgoingMedia
) -> tuple[str, list[str]]:
    """The image's public URL and its ``imeta`` tag (url, m, x, alt)."""
    try:
        data = media.file.read_bytes()
    except OSError as exc:
        raise Rejected(f"cannot read {media.path}: {exc.strerror}") from None
    digest = hashlib.sha256(data).hexdigest()
    server = account.settings.get("blossom")
    if isinstance(server, str) and server:
        url = _upload(client, account, server, secret, data, digest, media)
    elif media.url:
        url = media.url
    else:
        raise Rejected(
            f"{media.path}: Nostr links images by URL; set `blossom:` on account "
            f"{account.name} (a Blossom server to upload to) or `media_base_url:` in socialgit.yml"
        )
    tag = ["imeta", f"url {url}", f"m {media.mime}", f"x {digest}"]
    if media.alt:
        tag.append(f"alt {' '.join(media.alt.split())}")
    return url, tag


def _upload(
    client: httpx.Client,
    account: Account,
    server: str,
    secret: bytes,
    data: bytes,
    digest: str,
    media: OutgoingMedia,
) -> str:
    now = int(time.time())
    auth = event.sign(
        secret,
        now,
        24242,
        [["t", "upload"], ["x", digest], ["expiration", str(now + AUTH_LIFETIME)]],
        f"Upload {media.path.rsplit('/', 1)[-1]}",
    )
    token = base64.b64encode(event.dumps(auth).encode()).decode()
    op = "Blossom upload"
    response = _http.send(
        client,
        "PUT",
        f"{server.rstrip('/')}/upload",
        op=op,
        idempotent=True,  # the same bytes are the same blob
        content=data,
        headers={"Authorization": f"Nostr {token}", "Content-Type": media.mime},
    )
    if response.status_code in (401, 403):
        reason = response.headers.get("X-Reason") or response.text[:200]
        raise AuthRevoked(f"{op}: the server refused this key ({reason})")
    if response.status_code in (402, 413, 415):
        reason = response.headers.get("X-Reason") or f"HTTP {response.status_code}"
        raise Rejected(f"{op}: {media.path} was refused ({reason})")
    if not response.is_success:
        raise _http.status_error(response, op, sent=False)
    blob = _http.json_object(response, op, sent=False)
    url, sha = blob.get("url"), blob.get("sha256")
    if not isinstance(url, str) or not url.startswith("https://") or sha != digest:
        raise Rejected(f"{op}: the server's answer does not describe {media.path}")
    return url
