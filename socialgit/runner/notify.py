"""After a run: the alerts to the ``notify:`` accounts, and the record that they went out.

What to say is socialgit/alerts.py's; here it is sent through the notify account's network
like any delivery (its ``post``), and recorded: each announced entry gets the account in its
``announced:`` list, and announced credentials go into ``.socialgit/alerts.json``, in one
commit pushed like the results (applied again on the remote's tip when the push is
rejected). An alert that fails is a line in the run's output and is tried again by the next
run; it never changes a delivery or the run's exit code.

Sent, then recorded: a run killed in between (or a lost push) announces the same things
once more, with the same delivery key, which a webhook receiver drops as a duplicate.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import yaml

from providers import PROVIDERS
from providers.base import Credentials, Outgoing, OutgoingPart
from socialgit.alerts import ENDING_WITHIN, Alert, Ending, announced, gather, message
from socialgit.config import load_config
from socialgit.content import load_content
from socialgit.model import Account, Config, Part
from socialgit.post import split
from socialgit.redact import scrub
from socialgit.runner import files
from socialgit.runner.git import Repo
from socialgit.runner.keys import delivery_key
from socialgit.times import iso_utc

STATE = ".socialgit/alerts.json"
MAX_ROUNDS = 5
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# (post path, account, the entry's ``at``): which failure an alert announced.
Mark = tuple[str, str, str]


def announce(
    root: Path,
    repo: Repo,
    now: datetime,
    client: httpx.Client,
    credentials: Callable[[Account], Credentials],
    ending: Callable[[list[Account], timedelta], list[tuple[str, datetime]]] | None,
    push: bool,
) -> list[str]:
    """Send what each notify account has not been told yet; record what went out. Returns
    one line per notify account with something to say, for the run's output."""
    if not load_config(root).config.notify:
        return []  # no analysis of the posts in a run that announces nothing
    content = load_content(root)
    config = content.config
    soon = []
    if ending is not None:
        soon = [Ending(n, t) for n, t in ending(list(config.accounts.values()), ENDING_WITHIN)]
    told = _told(root)
    lines: list[str] = []
    marks: dict[str, list[Mark]] = {}
    credential_marks: dict[str, dict[str, str]] = {}
    for alert in gather(config.notify, content.posts, soon, told):
        if alert.empty:
            continue
        account = config.accounts[alert.notify]
        failure = _send(root, config, account, alert, now, client, credentials)
        what = f"{len(alert.failures) + len(alert.ending)} to announce"
        if failure:
            lines.append(f"alert to {alert.notify} FAILED ({what}): {failure}")
            continue
        lines.append(f"alert sent to {alert.notify} ({what})")
        marks[alert.notify] = [
            (f.path, f.account, str(f.entry.get("at", ""))) for f in alert.failures
        ]
        credential_marks[alert.notify] = {e.account: iso_utc(e.ends) for e in alert.ending}
    if marks:
        lines.extend(_record(root, repo, marks, credential_marks, push))
    return lines


def _send(
    root: Path,
    config: Config,
    account: Account,
    alert: Alert,
    now: datetime,
    client: httpx.Client,
    credentials: Callable[[Account], Credentials],
) -> str:
    """Send one alert; "" when it went out, else why not (no secret in it)."""
    provider = PROVIDERS[account.provider]
    text = message(alert, now, config.timezone, _links(config))
    limit = provider.limit(account, Part(text, (), 1))
    while provider.length(text) > limit and text.count("\n") > 1:
        text = text.rsplit("\n", 2)[0] + "\n- … (more in the repository)"
    outgoing = Outgoing(
        key=delivery_key(f"socialgit-alert/{alert.key_seed()}", account.name, _EPOCH),
        post="(alert)",
        occurrence=now,
        parts=(OutgoingPart(text),),
        account=account.name,
        root=root,
    )
    try:
        provider.post(client, account, credentials(account), outgoing, (), lambda _: None)
    except Exception as exc:  # any failure of the alert stays the alert's: the run goes on
        return scrub(str(exc) or type(exc).__name__)
    return ""


def _links(config: Config) -> Callable[[str], str | None]:
    """Where a person reads a post: on GitHub, when the run is a workflow's."""
    import os

    server, repository = os.environ.get("GITHUB_SERVER_URL"), os.environ.get("GITHUB_REPOSITORY")
    branch = os.environ.get("GITHUB_REF_NAME") or config.branch
    if not (server and repository and branch):
        return lambda path: None
    return lambda path: f"{server}/{repository}/blob/{branch}/{path}"


def _told(root: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads((root / STATE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    told = data.get("credentials") if isinstance(data, dict) else None
    if not isinstance(told, dict):
        return {}
    return {
        str(k): {str(a): str(t) for a, t in v.items()}
        for k, v in told.items()
        if isinstance(v, dict)
    }


def _apply(
    root: Path, marks: dict[str, list[Mark]], credential_marks: dict[str, dict[str, str]]
) -> list[str]:
    """Write the record into the checkout as it is now; returns the paths that changed."""
    updates: files.Updates = {}
    for notify, items in marks.items():
        for path, account, at in items:
            entry = updates.get(path, {}).get(account) or _entry(root, path, account)
            if entry is None or str(entry.get("at", "")) != at:
                continue  # deleted or replaced meanwhile: that failure is gone
            entry = {**entry, "announced": sorted(announced(entry) | {notify})}
            updates.setdefault(path, {})[account] = entry
    changed, _ = files.apply(root, updates, top_status=False)
    told = _told(root)
    for notify, ends in credential_marks.items():
        told.setdefault(notify, {}).update(ends)
    if any(credential_marks.values()):
        state = root / STATE
        state.parent.mkdir(exist_ok=True)
        text = json.dumps({"credentials": told}, indent=2, sort_keys=True) + "\n"
        if not state.exists() or state.read_text("utf-8") != text:
            state.write_text(text, "utf-8")
            changed.append(STATE)
    return changed


def _entry(root: Path, path: str, account: str) -> dict[str, Any] | None:
    try:
        front = yaml.safe_load(split((root / path).read_text("utf-8").removeprefix("\ufeff")).front)
        entry = front["results"][account]
    except Exception:  # a file changed meanwhile in any way: nothing to mark
        return None
    return dict(entry) if isinstance(entry, dict) else None


def _record(
    root: Path,
    repo: Repo,
    marks: dict[str, list[Mark]],
    credential_marks: dict[str, dict[str, str]],
    push: bool,
) -> list[str]:
    names = ", ".join(sorted(marks))
    subject = f"socialgit: alerts sent to {names}"

    def build() -> tuple[list[str], str, bool]:
        return _apply(root, marks, credential_marks), subject + "\n", False

    _, pushed = repo.land(build, push, MAX_ROUNDS)
    if pushed:
        return []
    return ["the record of the alerts is committed but could not be pushed: they may be sent again"]
