"""Signing in to a Facebook Page: Facebook Login → a long-lived user token → the Page's token.

- The sign-in is Facebook Login's code flow (``www.facebook.com/vXX.0/dialog/oauth``); the
  code is exchanged with the app secret at ``GET /vXX.0/oauth/access_token``, as Meta
  documents it, for a user token of an hour or two. Facebook Login takes PKCE (the OIDC
  code flow), so the verifier goes along.
- That token is swapped at once for a long-lived one (``grant_type=fb_exchange_token``,
  about 60 days), and with it the Page's token is read from ``/me/accounts``. Community
  guides say a Page token read so has no expiry (it ends when the person changes their
  password, loses the Page's admin rights or removes the app: error 190); an older Meta
  page said 60 days. So Meta's token debugger is asked (``/debug_token``), and an end it
  names is stored as ``expires_at`` (doctor then warns before it).
- Both are stored: the Page token publishes; the user token lets ``refresh_token`` read a
  new Page token after a 190, for as long as it lives. After that only a new sign-in helps.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from providers import _http
from providers.meta import graph, listing, tokens
from socialgit.credentials import oauth
from socialgit.errors import AuthExpired, AuthRevoked, ProviderError, UsageError
from socialgit.redact import register

if TYPE_CHECKING:
    import httpx

    from providers.base import Credentials, Note
    from socialgit.model import Account

FACEBOOK = graph.Product("Facebook", "https://graph.facebook.com", "v25.0")
AUTHORIZE = "https://www.facebook.com/{version}/dialog/oauth"
# To post, comment as the Page and read its posts back (Pages API "Posts" guide).
SCOPE = "pages_show_list,pages_read_engagement,pages_manage_posts,pages_manage_engagement"


def generate_auth_url(account: Account, redirect_uri: str, state: str, code_challenge: str) -> str:
    version = account.settings.get("version") or FACEBOOK.version
    return oauth.auth_url(
        account,
        redirect_uri,
        state,
        code_challenge,
        default_authorize_url=AUTHORIZE.format(version=version),
        scope=str(account.settings.get("scope") or SCOPE),
    )


def authenticate(
    client: httpx.Client,
    account: Account,
    code: str,
    code_verifier: str,
    redirect_uri: str,
    credentials: Credentials,
) -> Credentials:
    secret = app_secret(account, credentials)
    short = code_exchange(client, account, FACEBOOK, code, code_verifier, redirect_uri, secret)
    user = str(long_lived_user_token(client, account, FACEBOOK, short, secret)["access_token"])
    page = page_token(client, account, user)
    stored: Credentials = {"access_token": page, "user_token": user, "client_secret": secret}
    ends = page_token_end(client, account, page, user)
    if ends is not None:
        stored["expires_at"] = tokens.iso(ends)
    return stored


def refresh_token(client: httpx.Client, account: Account, credentials: Credentials) -> Credentials:
    """A new Page token read with the stored user token (after Meta refused the Page's)."""
    user = credentials.get("user_token")
    connect = f"run `socialgit connect {account.name}`"
    if not isinstance(user, str) or not user:
        raise AuthRevoked(f"{account.name}: no Facebook login is stored to renew with; {connect}")
    try:
        fresh = page_token(client, account, user)
    except AuthExpired as exc:
        said = str(exc)
    else:
        renewed = {**credentials, "access_token": fresh}
        renewed.pop("expires_at", None)
        ends = page_token_end(client, account, fresh, user)
        if ends is not None:
            renewed["expires_at"] = tokens.iso(ends)
        return renewed
    raise AuthRevoked(
        f"{account.name}: {said}; the Facebook login behind the Page token has ended (it "
        f"lasts about 60 days) and cannot renew it; {connect}"
    )


def expires_at(credentials: Credentials) -> datetime | None:
    """When the Page token ends, when Meta named an end; None: it does not."""
    return tokens.expires_at(credentials)


def app_secret(account: Account, credentials: Credentials) -> str:
    secret = credentials.get("client_secret")
    if not isinstance(secret, str) or not secret:
        raise UsageError(
            f"{account.name}: Meta needs the app secret (App Dashboard > App settings > Basic "
            "> App secret); run `socialgit connect` again and give it"
        )
    return secret


def code_exchange(
    client: httpx.Client,
    account: Account,
    product: graph.Product,
    code: str,
    code_verifier: str,
    redirect_uri: str,
    secret: str,
) -> str:
    """Facebook Login's code for a short-lived user token."""
    url = oauth.endpoint(account, "token_url", graph.api(account, product, "oauth/access_token"))
    answer = graph.call(
        client,
        account,
        "GET",
        url,
        product=product,
        token="",
        op=f"{product.title} code exchange",
        params={
            "client_id": oauth.client_id(account, {}),
            "client_secret": secret,
            "redirect_uri": redirect_uri,
            "code": code,
            "code_verifier": code_verifier,
        },
        secrets=(secret, code, code_verifier),
    )
    return str(
        tokens.stored(account, product, answer, _http.now(), "code exchange")["access_token"]
    )


def long_lived_user_token(
    client: httpx.Client, account: Account, product: graph.Product, short: str, secret: str
) -> Credentials:
    """A long-lived (about 60 days) user token for a short-lived one: what to store."""
    return tokens.exchange(
        client,
        account,
        product,
        graph.api(account, product, "oauth/access_token"),
        token="",
        params={
            "grant_type": "fb_exchange_token",
            "client_id": oauth.client_id(account, {}),
            "client_secret": secret,
            "fb_exchange_token": short,
        },
        secret=secret,
        hidden=(short,),
    )


def page_token(client: httpx.Client, account: Account, user: str) -> str:
    """The Page's token, from the Pages the user token manages (``/me/accounts``)."""
    token = user
    page = str(account.settings.get("page") or "")
    session = graph.Session(client, account, FACEBOOK, token, "me")
    names: list[str] = []
    for item in listing.pages(
        session, "me/accounts", "Facebook list Pages", fields="id,name,access_token,tasks"
    ):
        names.append(f"{item.get('name')} ({item.get('id')})")
        if str(item.get("id")) != page:
            continue
        found = item.get("access_token")
        tasks = item.get("tasks")
        if isinstance(tasks, list) and "CREATE_CONTENT" not in tasks:
            raise AuthRevoked(
                f"{account.name}: this Facebook login cannot create content on the Page {page} "
                "(it lacks the CREATE_CONTENT task); sign in as someone who can"
            )
        if isinstance(found, str) and found:
            register(found)
            return found
    raise UsageError(
        f"{account.name}: the Page {page} is not among the Pages this Facebook login shares "
        f"with the app ({', '.join(names) or 'none'}); check `page:` in socialgit.yml, and "
        "choose that Page when you connect"
    )


def page_token_end(client: httpx.Client, account: Account, page: str, user: str) -> datetime | None:
    """When the Page token ends, as Meta's token debugger says (``expires_at`` 0: never);
    None when it never does or cannot be asked. Community guides say a Page token read with
    a long-lived login has no expiry, an older Meta page said 60 days: we ask."""
    session = graph.Session(client, account, FACEBOOK, user, "me")
    try:
        answer = session.get("debug_token", "Facebook token check", input_token=page)
    except ProviderError:
        return None
    data = answer.get("data") if isinstance(answer.get("data"), dict) else {}
    ends = data.get("expires_at") if isinstance(data, dict) else None
    if isinstance(ends, int) and ends > 0:
        return datetime.fromtimestamp(ends, UTC)
    return None


def granted(client: httpx.Client, account: Account, user: str) -> set[str]:
    """The permissions the person granted the app (``/me/permissions`` with a user token)."""
    session = graph.Session(client, account, FACEBOOK, user, "me")
    found: set[str] = set()
    for item in listing.pages(session, "me/permissions", "Facebook permissions"):
        if item.get("status") == "granted" and isinstance(item.get("permission"), str):
            found.add(item["permission"])
    return found


def ungranted(client: httpx.Client, account: Account, user: str, wanted: list[str]) -> list[Note]:
    """What ``doctor`` says of the ``wanted`` permissions the login did not grant."""
    have = granted(client, account, user)
    missing = [scope for scope in wanted if scope not in have]
    if not missing:
        return []
    said = (
        f"the app was not granted {', '.join(missing)}: run `socialgit connect "
        f"{account.name}` and allow {'them' if len(missing) > 1 else 'it'}"
    )
    return [("warning", said)]


def scopes(account: Account) -> list[str]:
    return [s for s in str(account.settings.get("scope") or SCOPE).split(",") if s.strip()]
