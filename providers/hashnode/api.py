"""Hashnode's GraphQL API: one POST per operation, and its answers classified the same way
everywhere.

Hashnode answers most errors inside HTTP 200, as GraphQL ``errors`` whose
``extensions.code`` is one of a closed set (Hashnode's gql-skill, errors-and-limits.md):
``UNAUTHENTICATED`` (no token, a wrong one, a deactivated user), ``FORBIDDEN`` (the
publication has no active Pro plan, or the user may not publish there), ``NOT_FOUND``,
``BAD_USER_INPUT`` and ``INTERNAL_SERVER_ERROR``. So the body is read before the status:
an answer with ``errors`` is an error whatever the status says.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from providers import _http
from socialgit.errors import (
    AuthRevoked,
    OutcomeUnknown,
    ProviderError,
    Rejected,
    Transient,
)

if TYPE_CHECKING:
    import httpx

    from providers.base import Credentials
    from socialgit.model import Account

# Hashnode's production endpoint since 2026 (gql.hashnode.com answers with a redirect to a
# notice that it moved).
ROOT = "https://gql-beta.hashnode.com"
PRO = "Pro plan"  # words of the refusal for a publication without one


@dataclass(frozen=True, slots=True)
class Session:
    client: httpx.Client
    account: Account
    token: str

    @classmethod
    def of(cls, client: httpx.Client, account: Account, credentials: Credentials) -> Session:
        token = credentials.get("token")
        if not isinstance(token, str) or not token.strip():
            raise AuthRevoked(
                f"{account.name}: no Hashnode token stored; run `socialgit connect {account.name}`"
            )
        return cls(client, account, token.strip())

    def ask(self, query: str, variables: dict[str, Any], op: str, *, sent: bool = False) -> Any:
        """The operation's ``data``. ``sent``: a mutation that publishes, so a lost answer,
        a 5xx or an internal error is ``OutcomeUnknown``."""
        what = f"Hashnode {op} ({self.account.name})"
        response = _http.send(
            self.client,
            "POST",
            _http.root(self.account, ROOT) + "/",
            op=what,
            secrets=(self.token,),
            idempotent=not sent,
            headers={"Authorization": f"Bearer {self.token}"},
            json={"query": query, "variables": variables},
        )
        try:
            body = response.json()
        except ValueError:
            body = None
        errors = body.get("errors") if isinstance(body, dict) else None
        if isinstance(errors, list) and errors:
            raise error(errors, what, self.account.name, sent=sent)
        if response.status_code == 429:
            raise _http.rate_limited(response, what)
        if not response.is_success:
            if sent and response.status_code >= 500:
                raise OutcomeUnknown(f"{what}: HTTP {response.status_code} after the request")
            raise _http.status_error(response, what, sent=sent)
        if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
            if sent:
                raise OutcomeUnknown(f"{what}: the answer could not be read")
            raise Transient(f"{what}: the answer could not be read")
        return body["data"]


def error(errors: list[Any], op: str, account: str, *, sent: bool) -> ProviderError:
    first = errors[0] if isinstance(errors[0], dict) else {}
    message = str(first.get("message") or "an error")[:300]
    extensions = first.get("extensions")
    code = str(extensions.get("code") or "") if isinstance(extensions, dict) else ""
    if code == "UNAUTHENTICATED":
        return AuthRevoked(
            f"{op}: Hashnode refused the token ({message}); make a new one and run "
            f"`socialgit connect {account}`"
        )
    if code == "FORBIDDEN" and PRO in message:
        return Rejected(
            f"{op}: Hashnode takes posts through its API only for a publication with an "
            f"active Pro plan ({message})"
        )
    if code == "INTERNAL_SERVER_ERROR":
        if sent:
            return OutcomeUnknown(f"{op}: Hashnode failed after the request ({message})")
        return Transient(f"{op}: Hashnode failed ({message})")
    return Rejected(f"{op}: Hashnode refused ({code or 'error'}: {message})")
