"""``socialgit report``: load the content, collect its deliveries, narrow and aggregate."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from socialgit.content import load_content
from socialgit.errors import UsageError
from socialgit.stats.deliveries import collect, narrow
from socialgit.stats.report import Report, build


def make_report(
    root: Path,
    since: datetime | None = None,
    until: datetime | None = None,
    accounts: Iterable[str] = (),
) -> Report:
    content = load_content(root)
    named = list(accounts)
    unknown = sorted(set(named) - set(content.config.accounts))
    if unknown:
        raise UsageError(
            f"--account {unknown[0]}: no such account in socialgit.yml "
            f"(accounts: {', '.join(sorted(content.config.accounts))})"
        )
    found = narrow(collect(content), since, until, named)
    return build(found, content.config.timezone)
