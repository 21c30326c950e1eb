"""What the networks of articles share (Ghost, Dev.to, Hashnode, Tumblr): the post keys as
``post`` reads them, checks made before anything is sent, the body as it was sent (for a
look-up that compares bodies), a receipt, and the marker that proves a delivery.

The marker is an HTML comment holding the delivery key (``<!-- socialgit:KEY -->``). A network
that stores it somewhere it shows to nobody (Ghost's code injection) lets a look-up prove that
an article is this delivery's, whatever its slug or title became.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from providers.base import Receipt
from socialgit.errors import Rejected

if TYPE_CHECKING:
    from providers.base import BodyFormat, Outgoing, Uploaded


def marker(key: str) -> str:
    return f"<!-- socialgit:{key} -->"


def receipt(ident: object, url: object) -> Receipt:
    """One article's receipt: its id, and its link when that is a public https address."""
    text = str(ident)
    return Receipt(text, url if isinstance(url, str) and url.startswith("https://") else None,
                   (text,))  # fmt: skip


def text(outgoing: Outgoing, name: str) -> str:
    """A one-value key (``title``, ``slug``, …); "" when the post has none."""
    value = outgoing.keys.get(name)
    return value if isinstance(value, str) else ""


def items(outgoing: Outgoing, name: str) -> tuple[str, ...]:
    """A list key (``tags``); () when the post has none."""
    value = outgoing.keys.get(name)
    return value if isinstance(value, tuple) else ()


def cover(outgoing: Outgoing) -> Uploaded | None:
    """The cover as the runner uploaded it (``upload_image``), if the post has one."""
    if outgoing.cover is None:
        return None
    return outgoing.images.get(outgoing.cover.path)


def title(outgoing: Outgoing, network: str, most: int | None = None) -> str:
    """The article's title, checked before anything is sent (``validate`` checks it too, but
    a post can reach the runner from an older socialgit)."""
    found = text(outgoing, "title")
    if not found:
        raise Rejected(f"{outgoing.post}: {network} needs a `title:` for the article")
    if most is not None and len(found) > most:
        raise Rejected(
            f"{outgoing.post}: the title is {len(found)} characters; {network} takes {most}"
        )
    return found


# A slug the networks keep as given (Ghost and the others rewrite anything else, so a look-up
# by the slug as written would miss the article).
SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"


def body(outgoing: Outgoing, form: BodyFormat) -> str:
    """The article's body as ``post`` sent it. The runner renders it for ``post`` only; a
    look-up gets the Markdown as written, so a network whose look-up compares bodies renders
    it here the same way: with the uploads the runner recorded, else each image's public
    address (``media_base_url``: what the default ``upload_image`` gives)."""
    if outgoing.body:
        return outgoing.body
    from socialgit import longform

    urls = {m.path: m.url for part in outgoing.parts for m in part.media if m.url}
    urls.update({path: made.url for path, made in outgoing.images.items()})
    text = outgoing.parts[0].text if outgoing.parts else ""
    return longform.render(text, outgoing.post, form, urls.get)
