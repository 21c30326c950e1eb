"""Ghost's Admin API key and the short-lived token signed with it for every request.

A key is ``{id}:{secret}`` as a custom integration shows it (Settings → Integrations): the id
names the key, the secret is hex. Ghost takes no key itself: each request carries
``Authorization: Ghost <JWT>``, a JSON Web Token signed with HS256 over the secret's *bytes*,
whose header names the key (``kid``) and whose claims say when it was made (``iat``), when it
ends (``exp``) and which API it is for (``aud: /admin/``). Ghost refuses a token older than
five minutes (``maxAge: '5m'`` on ``iat``), so one is minted per request and never stored
(Ghost's ``core/server/services/auth/api-key/admin.js``; docs.ghost.org, Admin API
authentication).

Three small JSON objects need no library: the token is built with ``hmac`` and ``base64``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass

from socialgit.errors import AuthRevoked

AUDIENCE = "/admin/"
LIFETIME = 300  # seconds: Ghost's maxAge
# An ObjectId and 32 bytes in hex, as Ghost makes them; any even-length hex secret is taken.
_KEY = re.compile(r"^([0-9a-f]{24}):((?:[0-9a-f]{2})+)$")


@dataclass(frozen=True, slots=True)
class AdminKey:
    id: str
    secret: bytes

    def __repr__(self) -> str:  # the secret never prints
        return f"AdminKey(id={self.id!r})"


def parse(value: object, account: str) -> AdminKey:
    """The key as stored; a key that is not ``id:hexsecret`` is refused with what to do."""
    text = value.strip().lower() if isinstance(value, str) else ""
    found = _KEY.match(text)
    if found is None:
        raise AuthRevoked(
            f"{account}: the Ghost Admin API key is not the `id:secret` Ghost shows under "
            f"Settings → Integrations; run `socialgit connect {account}` and paste it whole"
        )
    return AdminKey(found[1], bytes.fromhex(found[2]))


def _part(data: dict[str, object]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def token(key: AdminKey, now: float | None = None) -> str:
    """A token for one request, valid for five minutes from ``now`` (default: the clock)."""
    issued = int(time.time() if now is None else now)
    head = _part({"alg": "HS256", "kid": key.id, "typ": "JWT"})
    body = _part({"iat": issued, "exp": issued + LIFETIME, "aud": AUDIENCE})
    signed = f"{head}.{body}".encode()
    signature = hmac.new(key.secret, signed, hashlib.sha256).digest()
    return f"{head}.{body}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"
