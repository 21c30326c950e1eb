"""A strict OAuth 2.0 authorization server for the tests, built on Authlib, over real HTTP.

- authorization code grant with PKCE required and verified (S256 only);
- codes are single-use, short-lived and bound to the client and the redirect URI;
- refresh tokens rotate; a spent refresh token is ``invalid_grant`` (and, with
  ``revoke_family_on_reuse``, reuse also revokes the tokens issued from it, as strict
  servers do);
- configurable access-token lifetime; ``/me`` rejects expired or revoked tokens with 401;
- fault injection for the token endpoint (``fail_next``: a status and body, or a delay).

The authorization endpoint grants at once (no consent page): the test plays the browser.
Served by werkzeug on 127.0.0.1 in a thread; no Flask.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from authlib.common.security import generate_token
from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import (
    AuthorizationCodeMixin,
    ClientMixin,
    JsonRequest,
    OAuth2Payload,
    OAuth2Request,
    TokenMixin,
    grants,
)
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

AUTH_METHODS = ("client_secret_basic", "client_secret_post", "none")
USER = {"id": "u-1", "name": "Test User", "handle": "tester"}


@dataclass
class Client(ClientMixin):  # type: ignore[misc]
    client_id: str
    client_secret: str | None  # None: a public client (PKCE only)
    redirect_uri: str = "http://127.0.0.1/callback"

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_allowed_scope(self, scope: str) -> str:
        return scope or ""

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        # RFC 8252 §7.3: a loopback redirect URI matches on any port.
        got, want = urlsplit(redirect_uri), urlsplit(self.redirect_uri)
        return (got.scheme, got.hostname, got.path) == (want.scheme, want.hostname, want.path)

    def check_client_secret(self, client_secret: str) -> bool:
        return self.client_secret is not None and client_secret == self.client_secret

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.client_secret is None:
            return method == "none"
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "refresh_token")


@dataclass
class Code(AuthorizationCodeMixin):  # type: ignore[misc]
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    code_challenge: str | None
    code_challenge_method: str | None
    issued: float = field(default_factory=time.time)

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope


@dataclass
class Token(TokenMixin):  # type: ignore[misc]
    client_id: str
    access_token: str
    refresh_token: str | None
    scope: str
    expires_in: int
    issued: float = field(default_factory=time.time)
    revoked: bool = False
    parent: str | None = None  # the refresh token this one was issued from

    def check_client(self, client: Client) -> bool:
        return client.client_id == self.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        return time.time() >= self.issued + self.expires_in

    def is_revoked(self) -> bool:
        return self.revoked


class _Payload(OAuth2Payload):  # type: ignore[misc]
    def __init__(self, request: Request) -> None:
        self._request = request

    @property
    def data(self) -> Any:
        return self._request.values

    @cached_property
    def datalist(self) -> dict[str, list[str]]:
        values: dict[str, list[str]] = defaultdict(list)
        for key in self.data:
            values[key].extend(self.data.getlist(key))
        return values


class _Request(OAuth2Request):  # type: ignore[misc]
    def __init__(self, request: Request) -> None:
        super().__init__(method=request.method, uri=request.url, headers=request.headers)
        self._request = request
        self.payload = _Payload(request)

    @property
    def args(self) -> Any:
        return self._request.args

    @property
    def form(self) -> Any:
        return self._request.form


class _Server(AuthorizationServer):  # type: ignore[misc]
    def __init__(self, owner: OAuthServer) -> None:
        super().__init__()
        self.owner = owner

    def query_client(self, client_id: str) -> Client | None:
        return self.owner.clients.get(client_id)

    def save_token(self, token: dict[str, Any], request: Any) -> None:
        made = Token(
            client_id=request.client.client_id,
            access_token=token["access_token"],
            refresh_token=token.get("refresh_token"),
            scope=token.get("scope", ""),
            expires_in=token["expires_in"],
            parent=getattr(request, "_parent", None),
        )
        self.owner.tokens.append(made)

    def create_oauth2_request(self, request: Request) -> _Request:
        return _Request(request)

    def create_json_request(self, request: Request) -> JsonRequest:
        return JsonRequest(request.method, request.url, request.headers)

    def handle_response(self, status: int, body: Any, headers: Any) -> Response:
        text = json.dumps(body) if isinstance(body, dict) else body
        return Response(text, status=status, headers=headers)

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        pass


def _grants(owner: OAuthServer) -> tuple[type, type]:
    class CodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
        TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

        def save_authorization_code(self, code: str, request: Any) -> None:
            data = request.payload.data
            owner.codes[code] = Code(
                code=code,
                client_id=request.client.client_id,
                redirect_uri=request.payload.redirect_uri,
                scope=request.payload.scope or "",
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
            )

        def query_authorization_code(self, code: str, client: Client) -> Code | None:
            found = owner.codes.get(code)
            fresh = found and time.time() - found.issued <= owner.code_lifetime
            return found if fresh and found.client_id == client.client_id else None

        def delete_authorization_code(self, authorization_code: Code) -> None:
            owner.codes.pop(authorization_code.code, None)  # single use

        def authenticate_user(self, authorization_code: Code) -> dict[str, str]:
            return USER

    class RefreshGrant(grants.RefreshTokenGrant):  # type: ignore[misc]
        TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS
        INCLUDE_NEW_REFRESH_TOKEN = True

        def authenticate_refresh_token(self, refresh_token: str) -> Token | None:
            for token in owner.tokens:
                if token.refresh_token == refresh_token:
                    if token.revoked:
                        owner.reused.append(refresh_token)
                        if owner.revoke_family_on_reuse:
                            owner.revoke_descendants(refresh_token)
                        return None
                    self.request._parent = refresh_token
                    return token
            return None

        def authenticate_user(self, refresh_token: Token) -> dict[str, str]:
            return USER

        def revoke_old_credential(self, refresh_token: Token) -> None:
            refresh_token.revoked = True  # rotation: the old refresh token is spent

    return CodeGrant, RefreshGrant


class OAuthServer:
    """``with OAuthServer() as server: server.url …``; clients added with ``add_client``."""

    def __init__(self, access_lifetime: int = 3600, code_lifetime: int = 60) -> None:
        self.access_lifetime = access_lifetime
        self.code_lifetime = code_lifetime
        self.revoke_family_on_reuse = False
        self.clients: dict[str, Client] = {}
        self.codes: dict[str, Code] = {}
        self.tokens: list[Token] = []
        self.reused: list[str] = []
        self.token_requests: list[dict[str, str]] = []
        # Each entry answers one token request instead of Authlib: (status, body) or a
        # float (seconds to sleep first, then answer normally).
        self.fail_next: list[tuple[int, dict[str, Any]] | float] = []
        # Called after a successful token answer is computed, before it is sent.
        self.on_token: Any = None
        server = _Server(self)
        server.register_token_generator(
            "default",
            BearerTokenGenerator(
                lambda *a, **k: generate_token(42),
                lambda *a, **k: generate_token(48),
                lambda client, grant_type: self.access_lifetime,
            ),
        )
        code_grant, refresh_grant = _grants(self)
        server.register_grant(code_grant, [CodeChallenge(required=True)])
        server.register_grant(refresh_grant)
        self.server = server
        self._http = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self._http.server_port}"
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    def add_client(self, client_id: str, client_secret: str | None = None) -> Client:
        self.clients[client_id] = Client(client_id, client_secret)
        return self.clients[client_id]

    def revoke_descendants(self, refresh_token: str) -> None:
        for token in self.tokens:
            if token.parent == refresh_token or token.refresh_token == refresh_token:
                token.revoked = True
                if token.refresh_token and token.refresh_token != refresh_token:
                    self.revoke_descendants(token.refresh_token)

    def valid_access(self, access_token: str) -> bool:
        return any(
            t.access_token == access_token and not t.is_expired() and not t.revoked
            for t in self.tokens
        )

    def _app(self, environ: dict[str, Any], start: Any) -> Any:
        request = Request(environ)
        return self._route(request)(environ, start)

    def _route(self, request: Request) -> Response:
        if request.path == "/authorize":
            return self.server.create_authorization_response(request, grant_user=USER)
        if request.path == "/token" and request.method == "POST":
            self.token_requests.append(dict(request.form))
            if self.fail_next:
                fault = self.fail_next.pop(0)
                if isinstance(fault, tuple):
                    status, body = fault
                    return Response(json.dumps(body), status, content_type="application/json")
                time.sleep(fault)
            response = self.server.create_token_response(request)
            if self.on_token is not None and response.status_code == 200:
                self.on_token(json.loads(response.get_data()))
            return response
        if request.path == "/me":
            auth = request.headers.get("Authorization", "")
            if auth.startswith("Bearer ") and self.valid_access(auth[7:]):
                return Response(json.dumps(USER), 200, content_type="application/json")
            return Response('{"error": "invalid_token"}', 401, content_type="application/json")
        return Response("not found", 404)

    def __enter__(self) -> OAuthServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.shutdown()
        self._http.server_close()
