"""Delivery keys and shards: pure functions of where a post is, so every runner agrees.

A delivery's key is derived, not drawn at random: the same (post, account, occurrence) gives
the same key in every run and on every machine. It is written into the post's ``results:``
when the delivery is claimed, before anything is sent, and from then on the recorded key
rules: a resend after a crash, a retry, or a look-up of a delivery in doubt carries the key
of the first attempt (also after the file was renamed), so the network (or webhook receiver)
can drop it as a duplicate.

    key = TID spelling of the first 63 bits of
          sha256("socialgit/2\\n" + post path + "\\n" + account + "\\n" + occurrence ISO UTC)

The post's path, not its ``id:``: two files never share a path, so two different deliveries
never share a key (two posts given the same id once shared theirs, and the second was
recorded as published without being sent). The spelling is an AT Protocol TID (13
characters of ``234567abcdefghijklmnopqrstuvwxyz``, the top bit clear) because Bluesky takes
a caller-chosen record key only in that form; the same string is a valid Idempotency-Key
header and file name everywhere else.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from socialgit.times import iso_utc

_TID = "234567abcdefghijklmnopqrstuvwxyz"


def delivery_key(path: str, account: str, occurrence: datetime) -> str:
    seed = f"socialgit/2\n{path}\n{account}\n{iso_utc(occurrence)}".encode()
    number = int.from_bytes(hashlib.sha256(seed).digest()[:8], "big") >> 1  # 63 bits
    chars = []
    for _ in range(13):
        chars.append(_TID[number & 31])
        number >>= 5
    return "".join(reversed(chars))


def in_shard(path: str, shard: tuple[int, int] | None) -> bool:
    """``shard`` is (K, N), 1-based: a post belongs to exactly one of N shards, by its path."""
    if shard is None:
        return True
    index, count = shard
    bucket = int.from_bytes(hashlib.sha256(path.encode()).digest()[:8], "big") % count
    return bucket == index - 1
