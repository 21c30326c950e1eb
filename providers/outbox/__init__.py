"""Writes each delivery as a JSON file into a folder: for demos, dry runs and tests."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from providers._document import document
from providers.base import (
    IMAGE_TYPES,
    VIDEO_TYPES,
    AuthKind,
    BodyFormat,
    Credentials,
    KeyRule,
    MediaRules,
    OnPart,
    Outgoing,
    Receipt,
    Setting,
    ThreadStyle,
    Uploaded,
)
from socialgit import postkeys
from socialgit.errors import Transient, Unsupported

if TYPE_CHECKING:
    import httpx

    from providers.base import OutgoingMedia
    from socialgit.model import Account, Part

NAME = "outbox"
TITLE = "Outbox folder"
THREADS: ThreadStyle = "document"
MEDIA = MediaRules(max_count=100, max_bytes={t: 1 << 40 for t in IMAGE_TYPES | VIDEO_TYPES})
SETTINGS: Mapping[str, Setting] = {
    "path": Setting(str, required=True, help="folder, relative to the repository root"),
    "limit": Setting(int, help="a length limit to check posts against (default: none)"),
    "format": Setting(
        str,
        help="html or markdown: take each post as one article, its body in that format "
        "(default: short posts, split into parts)",
        choices=("html", "markdown"),
    ),
}
# The document carries every post key, for the receiver to use as it likes.
KEYS: Mapping[str, KeyRule] = {name: KeyRule() for name in postkeys.NAMES}
SECRETS: tuple[str, ...] = ()


def length(text: str) -> int:
    return len(text)


def limit(account: Account, part: Part) -> int:
    configured = account.settings.get("limit")
    return configured if isinstance(configured, int) else 100_000


# -- runtime: no credentials; a delivery is a file named by its key -----------------------
AUTH: AuthKind = "none"
# The file named by the key is the record: ``lookup`` can always tell, so never resend blind.
RESEND_IN_DOUBT = False


def long_form(account: Account) -> BodyFormat | None:
    form = account.settings.get("format")
    return "html" if form == "html" else "markdown" if form == "markdown" else None


def upload_image(
    client: httpx.Client, account: Account, credentials: Credentials, image: OutgoingMedia
) -> Uploaded:
    """Nothing leaves the repository: an article's images keep their path in it (or their
    public URL, with ``media_base_url``)."""
    return Uploaded(image.url or image.path)


def folder(account: Account, root: Path) -> Path:
    return root / str(account.settings.get("path", "outbox"))


def file_for(account: Account, outgoing: Outgoing) -> Path:
    return folder(account, outgoing.root) / f"{outgoing.key}.json"


def _receipt(account: Account, outgoing: Outgoing) -> Receipt:
    # The "link" is the file, relative to the repository, so output can point at it.
    where = f"{str(account.settings.get('path', 'outbox')).rstrip('/')}/{outgoing.key}.json"
    return Receipt(id=outgoing.key, url=where, parts=(outgoing.key,))


def generate_auth_url(account: Account, redirect_uri: str, state: str, code_challenge: str) -> str:
    raise Unsupported("the outbox provider needs no login")


def authenticate(
    client: httpx.Client,
    account: Account,
    code: str,
    code_verifier: str,
    redirect_uri: str,
    credentials: Credentials,
) -> Credentials:
    return {}


def whoami(client: httpx.Client, account: Account, credentials: Credentials) -> dict[str, str]:
    return {"id": account.name, "name": f"folder {account.settings.get('path', 'outbox')}"}


def post(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    outgoing: Outgoing,
    done: tuple[str, ...],
    on_part: OnPart,
) -> Receipt:
    """Write the delivery atomically: a reader sees the whole file or none (rename)."""
    target = file_for(account, outgoing)
    if not target.exists():  # written before (a rerun): the same key is the same delivery
        made = document(outgoing, long_form(account))
        body = json.dumps(made, ensure_ascii=False, indent=2) + "\n"
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=target.parent)
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    out.write(body)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(temp, target)
            finally:
                if os.path.exists(temp):
                    os.unlink(temp)
        except OSError as exc:
            raise Transient(f"cannot write to the outbox folder: {exc.strerror}") from exc
    receipt = _receipt(account, outgoing)
    if not done:
        on_part(receipt.id)
    return receipt


def lookup(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> Receipt | None:
    return _receipt(account, outgoing) if file_for(account, outgoing).exists() else None
