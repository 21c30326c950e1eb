"""Recording what a network prepares before anything is sent, for the networks that do.

Some networks need the exact bytes of a delivery fixed before the first send: a Nostr
event's id is the hash of what it says (``created_at`` included), so a rerun after a crash
must send the very same signed events, or it publishes a second note. Their ``prepare``
builds that record; this step writes it into each claim as ``prepared:``, commits it and
pushes it (one commit for the run, "socialgit: prepare N deliveries") **before** any of it is
sent. From then on every run, on any machine, hands the same record back to ``post`` and
``lookup`` (``Outgoing.prepared``). Networks without ``prepare`` cost nothing here.

Whatever keeps a delivery from being recorded (``prepare`` failed, the file cannot be
written, the push was rejected) keeps it from being sent in this run: its error is judged
like a failed post's (``Context.unprepared``), and nothing unrecorded ever goes out.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from providers import PROVIDERS, defaults
from socialgit.errors import SocialgitError, Transient
from socialgit.runner import entries, files
from socialgit.runner.deliver import Context, outgoing_for
from socialgit.runner.git import Repo
from socialgit.runner.work import Work
from socialgit.words import plural


def prepare_all(
    repo: Repo, claimed: list[Work], ctx: Context, claimed_at: datetime, push: bool
) -> list[Work]:
    """The claimed work, with what was prepared; failures go to ``ctx.unprepared``."""
    work = list(claimed)
    fresh: dict[int, Work] = {}
    for index, item in enumerate(work):
        provider = PROVIDERS[item.account.provider]
        if provider.prepare is defaults.prepare or item.prepared is not None:
            continue  # nothing to prepare, or recorded by the run that first claimed it
        try:
            made = provider.prepare(
                ctx.client, item.account, ctx.credentials(item.account), outgoing_for(item, ctx)
            )
        except SocialgitError as exc:
            ctx.unprepared[_name(item)] = exc
            continue
        if made is not None:
            fresh[index] = replace(item, made=made)
    if not fresh:
        return work
    updates: files.Updates = {}
    for item in fresh.values():
        updates.setdefault(item.post.path, {})[item.account.name] = entries.claim(item, claimed_at)
    changed, failures = files.apply(ctx.root, updates, top_status=False)
    message = f"socialgit: prepare {plural(len(fresh), 'delivery')}\n\n" + "".join(
        f"- {w.account.name} {w.post.path} key={w.key}\n" for w in fresh.values()
    )
    commit = repo.commit(changed, message) if changed else None
    recorded = commit is not None and not failures and (not push or repo.push())
    problem = "; ".join(failures) or "the remote moved while it was being pushed"
    for index, item in fresh.items():
        # Kept either way: when it could not be pushed, its results entry carries it to the
        # run that sends it, and nothing goes out in this one.
        work[index] = item
        if not recorded:
            ctx.unprepared[_name(item)] = Transient(
                f"could not record the prepared delivery before sending ({problem})"
            )
    return work


def _name(work: Work) -> tuple[str, str]:
    return (work.post.path, work.account.name)
