"""Images for a Reddit post: leased and uploaded before the post that shows them.

Reddit's media endpoints are not in its documented API (UNCONFIRMED stability); this
follows what PRAW does (``praw/models/media.py``): ``POST /api/media/asset.json`` with the
file's name and type answers an upload form (``args.action``, ``args.fields``) and an
``asset.asset_id``; the file goes to that form's address with all its fields; the image's
address is the form's address plus its ``key``. One image is posted as ``kind=image`` with
that address, several as a gallery of their asset ids. An upload that never becomes a post
is not public, so an upload may simply be made again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from providers import _http
from providers.reddit import api
from socialgit.errors import Rejected, Transient

if TYPE_CHECKING:
    import httpx

    from providers.base import Credentials, OutgoingMedia
    from socialgit.model import Account

IMAGES = frozenset({"image/png", "image/jpeg", "image/gif"})
GALLERY = 20  # images in a gallery post (UNCONFIRMED: Reddit's apps allow 20)


@dataclass(frozen=True)
class Uploaded:
    url: str  # for kind=image
    asset_id: str  # for a gallery


def upload(
    client: httpx.Client, account: Account, credentials: Credentials, item: OutgoingMedia
) -> Uploaded:
    if item.mime not in IMAGES:
        raise Rejected(f"{item.path}: Reddit takes PNG, JPEG or GIF images, not {item.mime}")
    lease = api.call(
        client,
        account,
        credentials,
        "POST",
        "/api/media/asset.json",
        op="Reddit image upload",
        data={"filepath": item.file.name, "mimetype": item.mime},
    )
    args, asset = lease.get("args"), lease.get("asset")
    action = args.get("action") if isinstance(args, dict) else None
    listed = args.get("fields") if isinstance(args, dict) else None
    asset_id = asset.get("asset_id") if isinstance(asset, dict) else None
    if not isinstance(action, str) or not isinstance(listed, list) or not asset_id:
        raise Transient("Reddit image upload: the upload form did not come back; will retry")
    fields = {
        str(f.get("name")): str(f.get("value"))
        for f in listed
        if isinstance(f, dict) and f.get("name")
    }
    address = f"https:{action}" if action.startswith("//") else action
    try:
        data = item.file.read_bytes()
    except OSError as exc:
        raise Rejected(f"{item.path}: cannot be read ({exc.strerror})") from None
    if "key" not in fields:
        raise Transient("Reddit image upload: the upload form has no key; will retry")
    _http.signed_upload(
        client,
        address,
        fields,
        (item.file.name, data, item.mime),
        op="Reddit image upload",
        what=item.path,
    )
    return Uploaded(url=f"{address.rstrip('/')}/{fields['key']}", asset_id=str(asset_id))


def images(post: dict[str, object]) -> int:
    """How many images a submission read back shows: a gallery's, 1 for an image post."""
    gallery = post.get("gallery_data")
    items = gallery.get("items") if isinstance(gallery, dict) else None
    if post.get("is_gallery") and isinstance(items, list):
        return len(items)
    if post.get("post_hint") == "image" or str(post.get("domain", "")) == "i.redd.it":
        return 1
    return 0
