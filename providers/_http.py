"""HTTP plumbing the network modules share: one way in, one way errors come out.

Every request a provider makes goes through :func:`send`, so that what httpx raises is
translated where it enters (``socialgit.errors``, docs/adding-a-network.md) and the
translation never carries a secret: several networks put the credential in the URL (Telegram's
``/bot<token>/``, Discord and Slack webhook paths), and httpx exceptions hold the request,
URL and headers included. We therefore raise the translated error *outside* the ``except``
block, so it has neither ``__cause__`` nor ``__context__`` pointing back at the request,
and its message names the operation only.

The other helpers classify answers the same way for every network: ``Retry-After`` and
body-provided waits become :class:`RateLimited` with an absolute ``until``; 5xx become
:class:`Transient`; a body that cannot be read after a send that may have worked becomes
:class:`OutcomeUnknown`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from socialgit import redact
from socialgit.errors import (
    AuthExpired,
    AuthRevoked,
    OutcomeUnknown,
    ProviderError,
    RateLimited,
    Rejected,
    Transient,
    UsageError,
)

if TYPE_CHECKING:
    import httpx

    from socialgit.model import Account


def root(account: Account, default: str) -> str:
    """The network's API root: the account's ``base_url`` (a self-hosted server, a proxy, a
    test fake), else ``default``; without a trailing slash, so paths join with ``/``."""
    base = account.settings.get("base_url")
    return (base if isinstance(base, str) and base else default).rstrip("/")


def on_this_machine(host: str) -> bool:
    """``localhost`` or a loopback address: where a plain http:// or ws:// is acceptable
    (a test server), as nothing crosses a network."""
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def instance(account: Account) -> str:
    """The origin of a network with one server per account (Mastodon, Pixelfed, Lemmy,
    Misskey): ``base_url``, else the ``instance:`` setting, ``https://`` when none is said."""
    value = account.settings.get("base_url") or account.settings.get("instance")
    if not isinstance(value, str) or not value.strip():
        raise UsageError(
            f"{account.name}: set `instance:` (https://your.instance) in socialgit.yml"
        )
    value = value.strip().rstrip("/")
    return value if "://" in value else f"https://{value}"


def instance_host(account: Account) -> str:
    """The host name of :func:`instance`, for messages."""
    return instance(account).split("://", 1)[1].split("/", 1)[0]


def access_token(account: Account, credentials: Mapping[str, Any], network: str) -> str:
    """The stored access token; ``AuthRevoked`` (connect again) when there is none."""
    token = credentials.get("access_token")
    if not isinstance(token, str) or not token:
        raise AuthRevoked(
            f"{account.name}: no {network} access token is stored; run "
            f"`socialgit connect {account.name}`"
        )
    return token


def now() -> datetime:
    """The clock used for ``RateLimited.until``; tests may replace it."""
    return datetime.now(UTC)


# httpx logs every request at INFO with its full URL ("HTTP Request: POST https://…/bot<token>/
# sendMessage"): the shared redaction filter scrubs the secrets ``send`` registers from those
# lines even when the caller did not install it on every logger (the CLI does).
redact.install_log_filter(("httpx",))


def _url_secrets(url: str | httpx.URL) -> tuple[str, ...]:
    # The full URL and its path are scrubbed too: for webhook networks the path is the
    # credential, and a caller that forgot to list it must still not leak it.
    import httpx  # deferred: plan and validate never need it

    text = str(url)
    try:
        path = httpx.URL(text).path
    except httpx.InvalidURL:
        path = ""
    return (text, path) if len(path) > 1 else (text,)


def send(
    client: httpx.Client,
    method: str,
    url: str | httpx.URL,
    *,
    op: str,
    secrets: Iterable[str] = (),
    idempotent: bool | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """Send one request; httpx's exceptions come out as ``ProviderError``s naming ``op``.

    ``op`` is what a person reads ("Telegram sendMessage"), never the URL. ``idempotent``
    says whether resending is harmless (default: GET/HEAD are, everything else is not): a
    request that was sent and got no answer is then ``Transient`` rather than
    ``OutcomeUnknown``.
    """
    import httpx  # deferred: plan and validate never need it

    secrets = tuple(s for s in secrets if s)
    # Registered for the log filter (and masked in GitHub Actions); the URL itself is not,
    # so log lines keep the host and method name.
    redact.register(*secrets)
    hidden = (*secrets, *_url_secrets(url))
    if idempotent is None:
        idempotent = method.upper() in {"GET", "HEAD"}
    failure: ProviderError
    try:
        return client.request(method, url, **kwargs)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError) as exc:
        # Nothing reached the network: resending later is safe.
        failure = Transient(f"{op}: could not connect ({_detail(exc, hidden)}); will retry")
    except httpx.UnsupportedProtocol as exc:
        failure = Rejected(f"{op}: the address is not http(s) ({_detail(exc, hidden)})")
    except httpx.InvalidURL as exc:
        failure = Rejected(f"{op}: the address is not a valid URL ({_detail(exc, hidden)})")
    except httpx.HTTPError as exc:
        # Read/write timeouts, dropped connections, protocol errors: the request may have
        # been received and acted on. A write timeout is included on purpose: we cannot
        # tell how much of the body the server had when the socket stalled.
        if idempotent:
            failure = Transient(f"{op}: no answer ({_detail(exc, hidden)}); will retry")
        else:
            failure = OutcomeUnknown(
                f"{op}: sent, but no answer came ({_detail(exc, hidden)}); it may have arrived"
            )
    # Raised here, outside the handler, so nothing chains back to the httpx exception.
    raise failure


def _detail(exc: Exception, hidden: Iterable[str]) -> str:
    text = redact.scrub(str(exc), hidden)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def retry_after(response: httpx.Response, seconds: float | None = None) -> datetime | None:
    """When to try again: the later of ``seconds`` (a body field) and ``Retry-After``.

    ``Retry-After`` is delta-seconds or an HTTP date (RFC 9110 §10.2.3); unreadable
    values are ignored rather than guessed.
    """
    start = now()
    candidates: list[datetime] = []
    if seconds is not None and seconds >= 0:
        candidates.append(start + timedelta(seconds=seconds))
    header = response.headers.get("Retry-After")
    if header:
        header = header.strip()
        try:
            candidates.append(start + timedelta(seconds=float(header)))
        except ValueError:
            try:
                when = parsedate_to_datetime(header)
            except (TypeError, ValueError, IndexError):
                when = None
            if when is not None:
                candidates.append(when if when.tzinfo else when.replace(tzinfo=UTC))
    return max(candidates) if candidates else None


def rate_limited(
    response: httpx.Response, op: str, seconds: float | None = None, why: str = ""
) -> RateLimited:
    until = retry_after(response, seconds)
    when = f"until {until.isoformat(timespec='seconds')}" if until else "for a while"
    return RateLimited(f"{op}: rate limited {when}{f' ({why})' if why else ''}", until=until)


def json_object(response: httpx.Response, op: str, *, sent: bool) -> dict[str, Any]:
    """The body as a JSON object. ``sent``: the request may have taken effect, so an
    unreadable success is ``OutcomeUnknown`` (resending could duplicate) — else
    ``Transient``."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    if isinstance(body, dict):
        return body
    what = f"{op}: unreadable answer (HTTP {response.status_code})"
    if sent and response.is_success:
        raise OutcomeUnknown(f"{what}; the message may have arrived")
    raise Transient(f"{what}; will retry")


def status_error(
    response: httpx.Response, op: str, *, sent: bool, message: str = ""
) -> ProviderError:
    """A default classification of an unsuccessful HTTP status, for what a network's
    own rules did not already decide. ``sent``: the request could have published
    something (a 504 from a gateway may hide a success behind it)."""
    status = response.status_code
    # A body that only repeats the status ("HTTP 500", "500 Internal Server Error") adds
    # nothing to the status already in the message.
    bare = {f"http {status}", str(status), f"{status} {response.reason_phrase}".lower()}
    said = f": {message}" if message and message.strip().lower() not in bare else ""
    if status == 429:
        return rate_limited(response, op, why=message)
    if status == 504 and sent:
        return OutcomeUnknown(f"{op}: gateway timeout (HTTP 504){said}; it may have arrived")
    if status >= 500 or status == 408:
        return Transient(f"{op}: the network failed (HTTP {status}){said}; will retry")
    if status == 401:
        return AuthExpired(f"{op}: not authorized (HTTP 401){said}")
    return Rejected(f"{op}: refused (HTTP {status}){said}")


def header_seconds(response: httpx.Response, name: str) -> float | None:
    value = response.headers.get(name)
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def signed_upload(
    client: httpx.Client,
    url: str,
    fields: Mapping[str, str],
    file: tuple[str, Any, str],
    *,
    op: str,
    what: str,
) -> httpx.Response:
    """POST ``file`` (name, bytes or an open file, MIME type) to a storage form a network
    signed for one upload (an S3 POST policy: Pinterest's videos, Reddit's images), with all
    of its ``fields``. No Authorization header goes there, and the fields (a signature, a
    session token) stay out of every message. Sending it again is harmless: nothing is
    public until the network's own request names the upload. ``what`` names the file."""
    response = send(
        client,
        "POST",
        url,
        op=op,
        secrets=tuple(fields.values()),
        idempotent=True,
        data=dict(fields),
        files={"file": file},
    )
    if response.status_code >= 500:
        raise Transient(f"{op} failed (HTTP {response.status_code}); will retry")
    if not response.is_success:
        raise Rejected(f"{what}: the upload was refused (HTTP {response.status_code})")
    return response
