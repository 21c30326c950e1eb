"""AT Protocol plumbing for the Bluesky provider: XRPC calls, error classes, TIDs, JWTs.

Everything here is network-neutral within atproto (a self-hosted PDS speaks the same XRPC),
so ``providers/bluesky`` keeps only what is about posting.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from providers._http import retry_after, send
from socialgit.errors import (
    AuthExpired,
    AuthRevoked,
    OutcomeUnknown,
    ProviderError,
    RateLimited,
    Rejected,
    Transient,
)

if TYPE_CHECKING:
    import httpx

# -- record keys ----------------------------------------------------------------------------

S32 = "234567abcdefghijklmnopqrstuvwxyz"  # base32-sortable, as atproto spells it
TID_RE = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
PART_BITS = 12  # low bits of the timestamp that number a thread's parts (4,096 parts at most)


def s32encode(value: int, width: int) -> str:
    out = []
    for _ in range(width):
        out.append(S32[value & 31])
        value >>= 5
    return "".join(reversed(out))


def tid(timestamp_us: int, clock_id: int) -> str:
    """A TID per the atproto spec: 0 bit, 53-bit microsecond timestamp, 10-bit clock id."""
    if not 0 <= timestamp_us < 1 << 53 or not 0 <= clock_id < 1 << 10:
        raise ValueError("TID fields out of range")
    return s32encode((timestamp_us << 10) | clock_id, 13)


def record_key(delivery_key: str, index: int) -> str:
    """The record key of part ``index`` of a delivery, the same on every run.

    putRecord with a key we choose is what makes a resend a no-op, so the key may depend on
    nothing that can change between runs: only the delivery's idempotency key (fixed at
    claim) and the part's position. The timestamp field is hash bits with the part index in
    its low bits, so a thread's parts sort together and in order; the clock id is more hash.
    Two deliveries collide only if 41 + 10 hash bits agree.
    """
    if not 0 <= index < 1 << PART_BITS:
        raise ValueError(f"a thread has at most {1 << PART_BITS} parts")
    digest = hashlib.sha256(b"socialgit/bluesky/rkey/v1\0" + delivery_key.encode()).digest()
    bits = int.from_bytes(digest[:8], "big")
    base = (bits >> 11) & ((1 << 53) - 1) & ~((1 << PART_BITS) - 1)
    clock = bits & 0x3FF
    return tid(base | index, clock)


# -- sessions -------------------------------------------------------------------------------


def jwt_expiry(token: str) -> datetime | None:
    """The ``exp`` claim of a JWT, read without verifying: only to plan the refresh."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, binascii.Error):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    if isinstance(exp, int | float) and not isinstance(exp, bool):
        return datetime.fromtimestamp(exp, UTC)
    return None


def pds_endpoint(did_doc: object) -> str | None:
    """The account's own PDS from its DID document (bsky.social is an entryway in front)."""
    if not isinstance(did_doc, dict):
        return None
    for service in did_doc.get("service") or ():
        if (
            isinstance(service, dict)
            and str(service.get("id", "")).endswith("#atproto_pds")
            and isinstance(service.get("serviceEndpoint"), str)
        ):
            return str(service["serviceEndpoint"]).rstrip("/")
    return None


# -- XRPC -----------------------------------------------------------------------------------

# What an unanswered request means. "read": nothing changed, try later. "write": it may have
# taken effect, so the runner must look it up before resending.
Effect = Literal["read", "write"]

# InvalidToken counts as expired: the runner then refreshes, which logs in again with the app
# password when the session is dead (a PDS that rotated its signing secret, a revoked
# session) and says `socialgit connect` only when the password itself is refused.
EXPIRED = frozenset({"ExpiredToken", "InvalidToken"})
REVOKED = frozenset({"AuthenticationRequired", "AccountTakedown", "AccountDeactivated"})


class Xrpc:
    """Calls to one atproto service, with failures translated into the socialgit error tree.

    ``account`` names the socialgit account in messages; tokens never appear in them.
    """

    def __init__(self, client: httpx.Client, base_url: str, account: str) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.account = account

    def call(
        self,
        method: Literal["GET", "POST"],
        nsid: str,
        *,
        effect: Effect,
        token: str | None = None,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        content: bytes | None = None,
        content_type: str | None = None,
        missing: frozenset[str] = frozenset(),
        secrets: tuple[str, ...] = (),
    ) -> dict[str, Any] | None:
        """The JSON answer; None when the error named is in ``missing`` (e.g. not found)."""
        headers: dict[str, str] = {}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if content_type is not None:
            headers["Content-Type"] = content_type
        # The shared way in: httpx failures become Transient (nothing sent, or a read) or
        # OutcomeUnknown (a write that got no answer), never chained to the httpx exception,
        # whose request holds the bearer token; the secrets are also masked in log lines.
        response = send(
            self.client,
            method,
            f"{self.base_url}/xrpc/{nsid}",
            op=nsid,
            secrets=(*secrets, *((token,) if token else ())),
            idempotent=effect == "read",
            params=params,
            json=body,
            content=content,
            headers=headers,
        )
        if response.is_success:
            try:
                data = response.json()
            except ValueError as exc:
                raise self._garbled(nsid, effect, response) from exc
            if not isinstance(data, dict):
                raise self._garbled(nsid, effect, response)
            return data
        name, message = _error_of(response)
        if name in missing:
            return None
        raise self.classify(nsid, response, name, message, effect)

    def _garbled(self, nsid: str, effect: Effect, response: httpx.Response) -> ProviderError:
        what = f"{nsid}: HTTP {response.status_code} with an answer that is not a JSON object"
        return OutcomeUnknown(what) if effect == "write" else Transient(what)

    def classify(
        self, nsid: str, response: httpx.Response, name: str, message: str, effect: Effect
    ) -> ProviderError:
        status = response.status_code
        said = f"{nsid}: HTTP {status} {name}" + (f": {message}" if message else "")
        if name in EXPIRED:
            return AuthExpired(said)
        if name in REVOKED or status == 401:
            return AuthRevoked(f"{said}; run `socialgit connect {self.account}`")
        if status == 429 or name == "RateLimitExceeded":
            return RateLimited(said, until=_reset_time(response))
        if status == 504 and effect == "write":
            # A gateway that gave up waiting may hide a write that went through.
            return OutcomeUnknown(said)
        if status >= 500:
            return Transient(said)
        return Rejected(said)


def _error_of(response: httpx.Response) -> tuple[str, str]:
    """XRPC errors are {"error": Name, "message": text}; anything else keeps the status."""
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict):
        name = data.get("error")
        message = data.get("message")
        return (
            name if isinstance(name, str) else "",
            message[:300] if isinstance(message, str) else "",
        )
    return "", ""


def _reset_time(response: httpx.Response) -> datetime | None:
    reset = response.headers.get("RateLimit-Reset")
    if reset is not None:
        try:
            return datetime.fromtimestamp(int(reset), UTC)
        except (ValueError, OverflowError, OSError):
            pass
    return retry_after(response)
