"""The one interface every network module fits, and the small values it is described by.

Each network is a package whose ``__init__`` is a *module* (as pre-commit's languages are):
module-level constants and functions that satisfy :class:`Network` structurally. The parts a
network may leave out have their defaults in ``providers/defaults.py``; the registry in
``providers/__init__`` fills them in when it loads the module, so what the core sees is a
whole :class:`Provider`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    import httpx

    from socialgit.model import Account, Part

# How the later parts of a thread go out; "single": the network takes one part (Pinterest,
# YouTube), so a post with more is refused at validation for that target.
ThreadStyle = Literal["replies", "comments", "messages", "document", "single"]
# What a long-form network takes as an article's body (``long_form``): the Markdown rendered
# to HTML, or the Markdown itself; images in it are uploaded and their URLs rewritten either way.
BodyFormat = Literal["html", "markdown"]
# "browser": a sign-in page that is not OAuth2 (Misskey's MiAuth), through connect's callback.
AuthKind = Literal["oauth2", "browser", "app_password", "token", "webhook", "none"]
Credentials = dict[str, Any]  # a decrypted vault entry; never printed, never logged
# What ``socialgit doctor`` reports about an account beyond its sign-in: a severity and a
# sentence ("warning", "Trial access: pins are visible only to you").
Note = tuple[Literal["ok", "warning", "error"], str]

IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
VIDEO_TYPES = frozenset({"video/mp4", "video/quicktime"})


@dataclass(frozen=True, slots=True)
class Setting:
    """A key an account of this provider may carry in socialgit.yml."""

    kind: type[str] | type[int] | type[bool] | type[list[str]]  # list: a YAML list of texts
    required: bool = False
    help: str = ""
    choices: tuple[str, ...] = ()  # the values a text setting may take; empty: any


@dataclass(frozen=True, slots=True)
class KeyRule:
    """How a network uses a post key besides the text (``title``, ``link``, ``tags``, …).

    A network lists the keys it uses in ``KEYS``; a key a post sets that none of its targets
    uses is a warning, and a ``required`` one missing is an error, per target."""

    required: bool = False
    max_length: int | None = None  # characters (code points) of the value, or of each item
    max_items: int | None = None  # for lists (tags)
    pattern: str | None = None  # a regular expression the value (each item) must match
    pattern_help: str = ""  # what the pattern asks for, in words
    without_media: bool = False  # a post carrying it takes no media (Reddit's link post)


@dataclass(frozen=True, slots=True)
class MediaRules:
    max_count: int  # attachments per part; 0: this network takes none
    max_bytes: Mapping[str, int] = field(default_factory=dict)  # by MIME type; absent: refused
    alt_max: int | None = None  # None: the network has no alt text
    needs_public_url: bool = False  # the network fetches media itself (Threads)
    required: bool = False  # a post's first part must carry media (Pixelfed)


@dataclass(frozen=True, slots=True)
class OutgoingMedia:
    path: str  # repository-relative, for messages
    file: Path  # absolute, to read the bytes from
    mime: str
    alt: str
    url: str | None = None  # public URL, for networks that fetch media themselves


@dataclass(frozen=True, slots=True)
class Uploaded:
    """An image a long-form network took (``upload_image``): where it serves it, and its id
    where a post refers to images by id (WordPress's featured image)."""

    url: str
    id: str = ""


@dataclass(frozen=True, slots=True)
class OutgoingPart:
    text: str
    media: tuple[OutgoingMedia, ...] = ()


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One delivery as the runner hands it to a provider."""

    key: str  # idempotency key, fixed when the delivery was claimed
    post: str  # repository-relative path, for messages
    occurrence: datetime
    parts: tuple[OutgoingPart, ...]
    account: str = ""  # the account's name, for messages (never a URL: it may carry a token)
    root: Path = Path()  # the repository root: where the outbox folder is resolved
    # The post keys this account receives (overrides applied): ``title``, ``link``, ``tags``
    # (a tuple), ``canonical_url``, ``excerpt``, ``slug``; absent when the post has none.
    keys: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)
    cover: OutgoingMedia | None = None  # the ``cover:`` image, read like a part's media
    # What an earlier attempt recorded: the ids of the parts out (``post`` gets them as
    # ``done``), and a step of the next part that it began and that must be finished, not
    # begun again (a Meta container id, an upload session; "" if none).
    done: tuple[str, ...] = ()
    pending: str = ""
    # Call with such a step's id *before* the request that could double the part (publishing
    # a container, sending an upload's last byte): the runner records it in the results as
    # ``pending`` and hands it back as ``pending`` until the part's id comes through
    # ``on_part``. Call with "" when the step is known to be dead (an expired container).
    on_pending: Callable[[str], None] = field(default=lambda _: None, compare=False)
    # What ``prepare`` built for this delivery, as the runner recorded *and pushed* it before
    # anything was sent (this run, or the one that first claimed it); None for networks that
    # prepare nothing, or when a caller other than the runner did not prepare.
    prepared: Mapping[str, Any] | None = None
    # Long-form networks (``long_form``) only: the article's body in their format, its images'
    # URLs the ones ``upload_image`` returned; and every image uploaded for it, by repository
    # path (the body's and the cover's). ``parts`` then holds one part: the Markdown as
    # written, with the body's images as its media.
    body: str = ""
    images: Mapping[str, Uploaded] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Receipt:
    """What went out: the network's id and public link of the first part, and every part's id
    (from a look-up, possibly only the leading parts that are out)."""

    id: str
    url: str | None
    parts: tuple[str, ...]
    # More for the results entry, beside id, url and parts: e.g. Nostr's per-relay outcome
    # ``{"relays": {url: "accepted" | "failed: …"}}``. Plain YAML values (str, int, bool,
    # lists, mappings); keys other than the entry's own fields.
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Published:
    """A delivery that went out, as its results entry records it: what ``metrics`` reads."""

    id: str  # the first part's id, as ``post`` returned it
    url: str | None
    parts: tuple[str, ...]  # every part's id, the first included
    at: datetime  # when it went out
    post: str = ""  # repository-relative path, for messages
    account: str = ""  # the account's name, for messages


# Counts a network gives for a delivery: ``likes``, ``reposts``, ``replies``, ``quotes``,
# ``views``, ``bookmarks``, ``clicks`` (socialgit.stats.snapshots.COUNTS); only those it has.
Counts = dict[str, int]


# Called by ``post`` right after each part is accepted, with that part's id, so that the
# runner can record it before the next part goes out (a rerun resumes, never reposts).
OnPart = Callable[[str], None]


class Network(Protocol):
    """What a network's module must define. ``mypy --strict`` proves each registered module
    fits (``providers/__init__``); ``docs/adding-a-network.md`` says what each part must
    guarantee."""

    NAME: str  # the registry key, as written in `provider:`
    TITLE: str  # as people call it
    THREADS: ThreadStyle  # how the later parts of a thread go out
    MEDIA: MediaRules
    SETTINGS: Mapping[str, Setting]  # account keys beyond provider/base_url/authorize_url/token_url
    SECRETS: tuple[str, ...]  # fields of its vault entry (docs/vault.md)
    # True when the receiver dedupes on the delivery key, so a delivery in doubt may be sent
    # again with the same key (webhook); False: in doubt needs ``lookup`` or a person.
    RESEND_IN_DOUBT: bool

    def length(self, text: str) -> int:
        """The text's length as the network counts it."""

    def limit(self, account: Account, part: Part) -> int:
        """The most ``length`` may be for this part on this account."""

    # -- credentials (``socialgit connect``, ``refresh``) --------------------------------
    AUTH: AuthKind

    def authenticate(
        self,
        client: httpx.Client,
        account: Account,
        code: str,
        code_verifier: str,
        redirect_uri: str,
        credentials: Credentials,
    ) -> Credentials:
        """Exchange a code (or, for non-OAuth networks, check ``credentials``); the result
        is stored in the vault. ``credentials`` holds what the person gave (client_secret,
        app password, webhook URL)."""

    def whoami(
        self, client: httpx.Client, account: Account, credentials: Credentials
    ) -> dict[str, str]:
        """Check the credentials with the network; returns e.g. {"id": ..., "name": ...}."""

    # -- publishing (``socialgit publish``) ----------------------------------------------
    def post(
        self,
        client: httpx.Client,
        account: Account,
        credentials: Credentials,
        outgoing: Outgoing,
        done: tuple[str, ...],
        on_part: OnPart,
    ) -> Receipt:
        """Publish the parts not yet in ``done`` (ids of parts already out), each a reply to
        the one before; raises a ``socialgit.errors.ProviderError`` subclass on failure."""

    def lookup(
        self, client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
    ) -> Receipt | None:
        """For a delivery in doubt: what of it arrived (None: nothing did). A receipt with
        fewer parts than the delivery says those leading parts are out and the rest is not:
        the runner sends the rest, replying to them. Raises ``OutcomeUnknown`` when the
        network cannot tell."""


class Provider(Network, Protocol):
    """A network as the core sees it: its module, with the optional parts it left out filled
    in from ``providers/defaults.py`` (which documents each default)."""

    REFRESH_FIELDS: tuple[str, ...]  # vault fields beyond SECRETS that refresh_token writes
    KEYS: Mapping[str, KeyRule]  # post keys it uses besides the text (title, link, tags, …)
    # OAuth2: the network accepts only the redirect URI registered with the app, port and
    # all, so ``connect`` needs ``--port`` (X, LinkedIn, Threads).
    EXACT_REDIRECT: bool

    def text_problems(self, text: str) -> list[str]:
        """Rules other than length (e.g. Threads' five links); each a message."""

    def media_problems(self, number: int, kinds: tuple[str, ...]) -> list[str]:
        """Rules on a part's attachments as a whole, beyond ``MEDIA``: ``number`` is the
        part's place in the thread (1: the post itself), ``kinds`` the MIME types of its
        attachments in order (e.g. Instagram: the post needs 1–10, comments take none)."""

    def facets(self, text: str) -> list[dict[str, Any]]:
        """Rich-text annotations the post will carry (Bluesky)."""

    def generate_auth_url(
        self, account: Account, redirect_uri: str, state: str, code_challenge: str
    ) -> str:
        """The URL a person opens to grant access (OAuth2 authorization code with PKCE S256)."""

    def refresh_token(
        self, client: httpx.Client, account: Account, credentials: Credentials
    ) -> Credentials:
        """New credentials; the old refresh token may be spent once this returns."""

    def expires_at(self, credentials: Credentials) -> datetime | None:
        """When these credentials stop working unless refreshed; None: they do not expire."""

    def diagnose(
        self, client: httpx.Client, account: Account, credentials: Credentials
    ) -> list[Note]:
        """For ``socialgit doctor``, after ``whoami`` succeeded: what the network shows about
        this account's access that would stop or limit publishing (an app's trial tier, a
        board or community that is missing or closed). Reads only; never posts."""

    def prepare(
        self, client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
    ) -> dict[str, Any] | None:
        """What must be on the remote before anything is sent (Nostr's signed events, whose
        ids are hashes of what they say, so a rerun must send the very same bytes). The runner
        pushes it as the claim's ``prepared:`` before calling ``post``, and hands it back in
        ``Outgoing.prepared`` to ``post`` and ``lookup`` in this run and every rerun, on any
        machine. Plain YAML values; may use the network (e.g. to upload media), never to
        publish."""

    def long_form(self, account: Account) -> BodyFormat | None:
        """``"html"`` or ``"markdown"`` for a network of articles (WordPress, Dev.to): the body
        is one document, never split at ``---``, delivered as ``Outgoing.body``. None: short
        posts, the body split into thread parts."""

    def upload_image(
        self, client: httpx.Client, account: Account, credentials: Credentials, image: OutgoingMedia
    ) -> Uploaded:
        """Long-form networks: put one image (of the body, or the cover) where the article can
        show it. The runner calls it once per image and delivery, records the answer before
        ``post``, and never calls it again for that image on a rerun."""

    # -- metrics (``socialgit metrics``) -------------------------------------------------
    def metrics(
        self, client: httpx.Client, account: Account, credentials: Credentials, item: Published
    ) -> Counts:
        """The public counts of a delivery now (of its first part: the post people see;
        replies leave out the thread's own later parts). Only reads; raises a
        ``ProviderError`` as ``lookup`` does."""

    def metrics_off(self, account: Account) -> str:
        """Why this account gives no metrics although the network has them (a setting, a
        scope most apps lack); "" when it does."""
