"""Edits after publication: a published post that was changed since warns, once per target.

socialgit never edits or resends what went out, so changing a published post's text or
time changes nothing public; a person doing it should hear so rather than believe the
network follows. The runner keeps what it sent in the result (``occurrence``, and ``sent``:
compose.fingerprint of the text), which is what is compared here. Recurring posts are left
alone: changing the text of a weekly post for its next occurrences is what people mean.
"""

from __future__ import annotations

from collections.abc import Mapping

from socialgit.compose import fingerprint, parts_for
from socialgit.fields import Findings
from socialgit.model import Account, Post
from socialgit.times import parse_iso, zone


def check_edits(post: Post, accounts: Mapping[str, Account], out: Findings) -> None:
    if post.repeat is not None:
        return
    tz = zone(post.timezone)
    for name in post.targets:
        result = post.results.get(name) or {}
        if result.get("status") != "published":
            continue
        account = accounts[name]
        at = parse_iso(str(result.get("at") or ""))
        when = f" on {at.astimezone(tz):%Y-%m-%d %H:%M}" if at else ""
        sent = result.get("sent")
        if sent and sent != fingerprint(post, account):
            parts = parts_for(post, account)
            out.add(
                parts[0].line if parts else post.line,
                1,
                f"{name} published this post{when} with another text: the edit changes "
                "nothing that went out (socialgit never edits or resends a published post)",
                "warning",
            )
        recorded = parse_iso(str(result.get("occurrence") or ""))
        # Results from before ``occurrence`` was kept: it went out no earlier than its time.
        moved = recorded != post.publish_at if recorded else bool(at and at < post.publish_at)
        if moved:
            was = f" for {recorded.astimezone(tz):%Y-%m-%d %H:%M}" if recorded else ""
            out.add(
                post.line,
                1,
                f"{name} published this post{when}{was}: a new publish_at does not send it "
                "again, and the plan keeps the time it went out",
                "warning",
            )
