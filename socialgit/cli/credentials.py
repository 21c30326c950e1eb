"""Commands for credentials: ``connect``, ``refresh``, ``vault …`` and ``doctor``.

Each parses, calls one core function, and renders; everything printed passes through
``socialgit.redact.scrub``, and expected errors leave through ``socialgit.cli.main``.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from socialgit.errors import SocialgitError, UsageError

if TYPE_CHECKING:
    import httpx

    from socialgit.model import Account, Config

F = TypeVar("F", bound=Callable[..., Any])
_NAME_SHOWN = 40  # longer "account names" are not echoed: likely a pasted secret


def _say(text: str, err: bool = False) -> None:
    from socialgit.redact import scrub

    click.echo(scrub(text), err=err)


def _guarded(command: F) -> F:
    """Install the log filter; an error whose message holds a secret leaves scrubbed."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from socialgit.redact import install_log_filter, scrub

        install_log_filter()
        try:
            return command(*args, **kwargs)
        except SocialgitError as exc:
            clean = scrub(str(exc))
            if clean == str(exc):
                raise
            failure = SocialgitError(clean)
            failure.exit_code = exc.exit_code
        raise failure

    return wrapper  # type: ignore[return-value]


def _setup(ctx: click.Context, strict: str | None = None) -> tuple[Path, Config]:
    """The repository and its config; ``strict``: a config with errors stops the command
    (saying ``strict``: what did not happen)."""
    from socialgit.config import find_root, load_config, refuse_errors

    root = find_root(Path(ctx.obj["repo"]))
    loaded = load_config(root)
    if strict:
        refuse_errors(loaded.problems, strict)
    return root, loaded.config


def _account(config: Config, name: str) -> Account:
    from socialgit.config import ACCOUNT_NAME

    if name not in config.accounts:
        known = ", ".join(sorted(config.accounts)) or "none"
        if not ACCOUNT_NAME.match(name) or len(name) > _NAME_SHOWN:
            # Not echoed: what was typed here may be a token pasted in the wrong place.
            raise UsageError(f"the ACCOUNT given is not an account name (accounts: {known})")
        raise UsageError(f"{name!r} is not in socialgit.yml (accounts: {known})")
    return config.accounts[name]


def _duration(text: str, option: str) -> timedelta:
    from socialgit.times import TimeError, parse_duration

    try:
        return parse_duration(text)
    except TimeError as exc:
        raise UsageError(f"{option}: {exc}") from None


@contextmanager
def _http() -> Iterator[Callable[[Account], httpx.Client]]:
    import httpx

    with httpx.Client(timeout=httpx.Timeout(30.0), follow_redirects=False) as client:
        yield lambda account: client


@click.command()
@click.argument("account")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    help="Callback port: the one in the app's redirect URI (X, LinkedIn, Threads need it).",
)
@click.option("--timeout", type=float, default=300.0, show_default=True, help="Seconds to wait.")
@click.option("--no-browser", is_flag=True, help="Print the sign-in URL instead of opening it.")
@click.pass_context
@_guarded
def connect(ctx: click.Context, account: str, port: int, timeout: float, no_browser: bool) -> None:
    """Log ACCOUNT in, check it with the network, and store it encrypted in the vault.

    OAuth2 networks and Misskey's MiAuth open a browser (callback on 127.0.0.1); the
    others ask for what they use (an app password, a user name and password, a bot token,
    an API key, a webhook URL, a Nostr secret key, a Matrix password exchanged once for a
    token), typed hidden. Needs SOCIALGIT_KEY.

    \b
    Example:
      socialgit connect news-x --port 8765 --no-browser
    """
    from socialgit.credentials.connect import connect as run
    from socialgit.credentials.vault import VAULT_FILE, Vault

    root, config = _setup(ctx)

    def ask(prompt: str, optional: bool) -> str:
        value = click.prompt(
            prompt, hide_input=True, default="" if optional else None, show_default=False
        )
        return str(value)

    def show(url: str) -> None:
        _say(f"Open this address to sign in:\n  {url}", err=True)
        if not no_browser:
            import webbrowser

            webbrowser.open(url)

    with _http() as client_for:
        target = _account(config, account)
        meta = run(
            Vault.open(root),
            target,
            client_for(target),
            ask=ask,
            show=show,
            port=port,
            timeout=timeout,
        )
    who = meta.get("handle") or meta.get("name") or meta.get("id") or "?"
    _say(f"{account}: connected as {who}; stored in {VAULT_FILE} (commit it)")


@click.command()
@click.argument("accounts", nargs=-1)
@click.option("--within", default="24h", show_default=True, help="Refresh what expires by then.")
@click.option("--no-push", is_flag=True, help="Commit the vault but do not push it.")
@click.pass_context
@_guarded
def refresh(ctx: click.Context, accounts: tuple[str, ...], within: str, no_push: bool) -> None:
    """Refresh credentials that expire within --within, then commit and push the vault.

    Each account is leased in a pushed commit of the vault first, so no two runners spend
    one refresh token; an account another run holds a lease on is skipped. A rotated token
    is saved before anything uses it. A refresh that fails changes no credentials and
    pushes only the release of its lease. Exit 1 on failures, 2 when socialgit.yml has
    errors or SOCIALGIT_KEY does not match the vault.

    \b
    Example:
      socialgit refresh news-x --within 2h --no-push
    """
    from socialgit.credentials.vault_sync import refresh_repo

    root, config = _setup(ctx, strict="nothing was refreshed")
    for name in accounts:
        _account(config, name)
    with _http() as client_for:
        out = refresh_repo(
            root,
            config,
            client_for,
            datetime.now(UTC),
            _duration(within, "--within"),
            only=accounts or None,
            push=not no_push,
        )
    for name in out.refreshed:
        _say(f"{name}: refreshed")
    for name, why in {**out.skipped, **{n: str(e) for n, e in out.failures.items()}}.items():
        _say(f"{name}: {why.removeprefix(name + ': ')}", err=True)
    _say(f"{len(out.refreshed)} refreshed" + (", pushed" if out.pushed else ""), err=True)
    ctx.exit(1 if out.failures else 0)


@click.group()
def vault() -> None:
    """Manage the encrypted credentials in .socialgit/vault.json.

    \b
    Example:
      socialgit vault list
    """


@vault.command()
def keygen() -> None:
    """Print a new random key (32 bytes, base64) for SOCIALGIT_KEY; it is not saved.

    \b
    Example:
      socialgit vault keygen | gh secret set SOCIALGIT_KEY
    """
    from socialgit.credentials.vault import new_key

    click.echo(new_key())


@vault.command()
@click.argument("account")
@click.argument("misplaced", nargs=-1, metavar="< FIELDS.json")
@click.pass_context
@_guarded
def put(ctx: click.Context, account: str, misplaced: tuple[str, ...]) -> None:
    """Store ACCOUNT's credentials, given as one JSON object on stdin (replacing any).

    The fields are the network's (docs/vault.md): e.g. {"bot_token": "…"} for telegram,
    {"access_token": …, "refresh_token": …, "expires_at": ISO} for OAuth2 networks, and
    for a rotating Slack bot token also refresh_token, expires_at, client_id and
    client_secret. An unknown field is refused, with the fields the network takes.

    \b
    Example:
      echo '{"webhook_url": "https://discord.com/api/webhooks/1/abc"}' \\
        | socialgit vault put team-discord
    """
    from socialgit.credentials.vault import Vault
    from socialgit.credentials.vault_fields import read_fields

    if misplaced:
        # Not echoed (click would): it is likely the secret itself, now in shell history.
        raise UsageError(
            "vault put takes the fields on stdin, not as arguments; rotate a secret that was "
            "typed on the command line (shell history keeps it)"
        )
    root, config = _setup(ctx)
    target = _account(config, account)
    fields = read_fields(target, sys.stdin.read())
    store = Vault.open(root)
    store.require_key(account)  # never one entry under a stray key beside the others
    meta = {**store.meta(account), "provider": target.provider}
    meta.pop("refresh_expires_at", None)  # a new entry: an old cap no longer applies
    if fields.get("refresh_expires_at"):
        meta["refresh_expires_at"] = fields["refresh_expires_at"]  # for `vault list`, doctor
    store.put(account, fields, meta)
    store.save()
    _say(f"{account}: stored {', '.join(sorted(fields))} (commit .socialgit/vault.json)")


@vault.command(name="rm")
@click.argument("account")
@click.pass_context
@_guarded
def rm(ctx: click.Context, account: str) -> None:
    """Remove ACCOUNT's entry (and any lease on it) from the vault; no key is needed.

    The account need not be in socialgit.yml (an entry left after removing it there).
    Commit .socialgit/vault.json afterwards.

    \b
    Example:
      socialgit vault rm old-x && git commit -m "vault: rm old-x" .socialgit/vault.json
    """
    from socialgit.config import ACCOUNT_NAME
    from socialgit.credentials.vault import VAULT_FILE, Vault

    root, _ = _setup(ctx)
    store = Vault.open(root, key="")  # removing reads no secret: a wrong key does not matter
    if account not in store.accounts():
        shown = repr(account) if ACCOUNT_NAME.match(account) and len(account) <= _NAME_SHOWN else ""
        known = ", ".join(store.accounts()) or "none"
        raise UsageError(f"the vault has no entry {shown or 'by that name'} (entries: {known})")
    store.remove(account)
    store.save()
    _say(f"{account}: removed from {VAULT_FILE} (commit it)")


@vault.command(name="list")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text")
@click.pass_context
@_guarded
def list_(ctx: click.Context, fmt: str) -> None:
    """List the vault's accounts with provider, expiry and who they are; never secrets.

    \b
    Example:
      socialgit vault list --format json
    """
    from socialgit.credentials.vault import Vault
    from socialgit.credentials.vault_fields import describe

    root, config = _setup(ctx)
    rows = describe(Vault.open(root), config)
    if fmt == "json":
        import json  # here: `socialgit --help` pays for no command's imports

        _say(json.dumps(rows, indent=2))
        return
    for row in rows:
        _say("  ".join(f"{k}={v}" for k, v in row.items() if v))


@vault.command()
@click.pass_context
@_guarded
def rekey(ctx: click.Context) -> None:
    """Re-encrypt every entry under SOCIALGIT_NEW_KEY (all must decrypt under SOCIALGIT_KEY).

    \b
    Example:
      export SOCIALGIT_NEW_KEY=$(socialgit vault keygen); socialgit vault rekey
    """
    import os

    from socialgit.credentials.vault import NEW_KEY_ENV, Vault
    from socialgit.words import plural

    root, _ = _setup(ctx)
    new = os.environ.get(NEW_KEY_ENV)
    if not new:
        raise UsageError(f"{NEW_KEY_ENV} is not set (make a key with `socialgit vault keygen`)")
    store = Vault.open(root)
    count = store.rekey(new)
    store.save()
    _say(
        f"re-encrypted {plural(count, 'entry')}; now set SOCIALGIT_KEY to the new key and commit "
        ".socialgit/vault.json"
    )


@click.command()
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@click.pass_context
@_guarded
def doctor(ctx: click.Context, strict: bool) -> None:
    """Check config, key, every account against its network, expiries and activity.

    Every account needs its credentials (a webhook account may have `url:` in
    socialgit.yml instead). Warns 14 days before an access token that cannot be refreshed
    ends (LinkedIn, Threads: 60 days) and 30 days before a refresh token's hard cap
    (LinkedIn: 365 days). Exit 1 when something is broken (with --strict, also on warnings).

    \b
    Example:
      SOCIALGIT_KEY=… socialgit doctor
    """
    from socialgit.config import find_root
    from socialgit.credentials.doctor import doctor as check

    root = find_root(Path(ctx.obj["repo"]))
    with _http() as client_for:
        found = check(root, client_for, datetime.now(UTC))
    for item in found:
        _say(f"{item.severity:7}  {item.subject}: {item.message}", err=item.severity != "ok")
    bad = {"error", "warning"} if strict else {"error"}
    ctx.exit(1 if any(f.severity in bad for f in found) else 0)


COMMANDS = [connect, refresh, vault, doctor]
