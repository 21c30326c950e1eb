"""An article's images, each uploaded once, and its body rendered with their URLs.

For a long-form target (the network's ``long_form``) the runner renders the body
(socialgit.longform) right before ``post``: each image of the body, and the cover, goes to the
network's ``upload_image`` once. Its answer is written into the results at once (``uploads``,
through ``record``), before the request that creates the article, and a later attempt (after
a refresh in this run, or a rerun in this checkout) uses it instead of uploading the image
again. Like ``pending``, it is on disk when written and reaches the remote with the run's
results; a run killed in between uploads again on a fresh clone, which leaves at most an
unused copy in the network's media library, never a second article.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from providers.base import Outgoing, OutgoingMedia, Uploaded
from socialgit import longform

if TYPE_CHECKING:
    import httpx

    from providers.base import Credentials, Provider
    from socialgit.model import Account


def ready(
    provider: Provider,
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    outgoing: Outgoing,
    uploads: dict[str, Uploaded],
    record: Callable[[], None],
) -> Outgoing:
    """``outgoing`` with its ``body`` and ``images`` (a short-form target's, unchanged).
    ``uploads`` holds what is uploaded already and gains what this call uploads; ``record``
    writes it into the results after each upload. Errors are the network's."""
    form = provider.long_form(account)
    if form is None:
        return outgoing
    wanted: list[OutgoingMedia] = [m for part in outgoing.parts for m in part.media]
    if outgoing.cover is not None:
        wanted.append(outgoing.cover)
    for image in wanted:
        if image.path not in uploads:
            uploads[image.path] = provider.upload_image(client, account, credentials, image)
            record()
    text = outgoing.parts[0].text if outgoing.parts else ""

    def url_for(path: str) -> str | None:
        made = uploads.get(path)
        return made.url if made is not None else None

    body = longform.render(text, outgoing.post, form, url_for)
    return replace(outgoing, body=body, images=dict(uploads))
