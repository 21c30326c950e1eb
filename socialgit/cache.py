"""A cache of post analyses, so that a plan over an unchanged repository is quick.

One file per repository in the user's cache folder (never in the repository: a pickle from a
pull request must never be loaded), holding one flat record per post file:

    path -> (stat, content hash, media, first, wake, id, id line, has results, problems, blob)

``blob`` is the post's light report (no texts) pickled on its own, so a plan unpickles only
the posts it can show: those with problems, with results, or due by the end of its window
(``first``, socialgit.plan.first_seen). The rest cost a stat and a tuple. ``wake`` is when a
run first has work in the post (socialgit.plan.wake_at), which lets an idle run stop before
loading anything else (socialgit.idle).

A record is reused when the file's stat is unchanged, or else when its bytes hash the same
(a fresh clone, or the cache restored onto another checkout in CI), and likewise for the
media it read. The whole file is keyed by socialgit's version and code, Python's version and
the config's bytes: a change to any of them starts afresh.
"""

from __future__ import annotations

import hashlib
import math
import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from socialgit.content import Report
    from socialgit.model import Config, LoadedConfig, Problem

FORMAT = 4
# mtime, size, inode, ctime: cheap, and ctime moves on every write (a tool that restores an
# mtime, a new file that reuses an inode number)
Signature = tuple[int, int, int, int]
Media = tuple[tuple[str, Signature | None, bytes | None], ...]  # path, stat, content hash
# (post id, its line, has results): whether an id is a post's own depends on every post.
Claim = tuple[str, str, int, bool]
# The last item: the pickled light report, or where it stands in the cache file.
Record = tuple[
    Signature | None,
    bytes | None,
    Media,
    float,
    float,
    str | None,
    int,
    bool,
    int,
    bytes | tuple[int, int],
]
# A post's full report, and the bytes it was read from (None: unreadable).
Analyze = Callable[[Path, str, "Config"], "tuple[Report, bytes | None]"]


@dataclass
class Analysed:
    reports: list[Report]  # in file order: every post the caller asked to load
    claims: list[Claim]  # the id of every post in the folder
    doubled: dict[str, Problem]  # socialgit.ids.duplicate_ids of the claims
    skipped: int = 0  # posts left unloaded: nothing about them falls in the window
    wake: float = math.inf  # the earliest time any post has work for a run
    broken: int = 0  # posts that cannot be planned for their errors (a run lists them)

    def idle(self, now: float) -> bool:
        """Whether a run at ``now`` has nothing to do and nothing to say: no post has work
        before its ``wake``, and none is skipped for its errors."""
        return self.wake > now and not self.broken and not self.doubled


def signature(path: str | Path) -> Signature | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns)


def digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def _file_digest(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, lambda: hashlib.blake2b(digest_size=16)).digest()
    except OSError:
        return None


def _folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(base) / "socialgit"


def _file(root: Path) -> Path:
    name = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:24]
    return _folder() / f"plan-{name}.pickle"


def code_stamp(top: Path | None = None) -> bytes:
    """What socialgit's rules are made of. An installed release: its version and the
    installed files' hashes (its RECORD). A source tree (a checkout, an editable install):
    every module's size and mtime, so an edited network rule is never answered from the
    cache."""
    from socialgit import __version__

    top = top or Path(__file__).resolve().parent.parent
    seed = [f"{FORMAT}:{__version__}:{sys.version_info[:2]}".encode()]
    try:
        records = [top / n / "RECORD" for n in os.listdir(top) if n.startswith("socialgit-")]
    except OSError:
        records = []
    found = [r for r in records if r.name == "RECORD" and r.is_file()]
    if found:
        seed += [r.read_bytes() for r in found]
    else:
        for package in ("socialgit", "providers"):
            for folder, dirs, names in os.walk(top / package):
                dirs[:] = sorted(d for d in dirs if d != "__pycache__")
                for name in sorted(names):
                    if name.endswith(".py"):
                        st = os.stat(os.path.join(folder, name))
                        seed.append(f"{folder}/{name}:{st.st_size}:{st.st_mtime_ns}".encode())
    return hashlib.sha256(b"\0".join(seed)).digest()


_CODE: list[bytes] = []  # code_stamp() once per process


def _stamp(source: bytes) -> bytes:
    if not _CODE:
        _CODE.append(code_stamp())
    return hashlib.sha256(_CODE[0] + b"\0" + source).digest()


@dataclass
class _Saved:
    """The cache file as read: its records (each blob a (start, length) in ``data``)."""

    records: dict[str, Record]
    loaded: LoadedConfig | None
    data: bytes
    blobs_at: int = 0
    doubled: dict[str, Problem] | None = None  # socialgit.ids.duplicate_ids of the records

    def blob(self, record: Record) -> bytes:
        start, length = record[9]
        start += self.blobs_at
        return self.data[start : start + length]


_MEMO: dict[tuple[Path, bytes], _Saved] = {}  # one read per process (config, then posts)


def _read(path: Path, stamp: bytes) -> _Saved:
    """Layout: 8 bytes (the index's length), the pickled (stamp, config, index, duplicate
    ids), then the blobs. The index alone is unpickled; a blob only when its post is wanted."""
    memo = _MEMO.get((path, stamp))
    if memo is not None:
        return memo
    empty = _Saved({}, None, b"")
    try:
        with path.open("rb") as handle:
            data = handle.read()
        size = int.from_bytes(data[:8], "big")
        head = pickle.loads(memoryview(data)[8 : 8 + size])
        saved_stamp, loaded, records, doubled = head
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError):
        return empty
    if saved_stamp != stamp or not isinstance(records, dict):
        return empty
    found = _MEMO[(path, stamp)] = _Saved(records, loaded, data, 8 + size, doubled)
    return found


def load_config(root: Path) -> LoadedConfig:
    """The config as socialgit.config reads it, from the cache while it is unchanged (a
    warm run then imports no network's module)."""
    from socialgit.locate import CONFIG_FILE

    try:
        source = (root / CONFIG_FILE).read_bytes()
    except OSError:
        source = b""
    if source and not os.environ.get("SOCIALGIT_NO_CACHE"):
        found = _read(_file(root), _stamp(source)).loaded
        if found is not None and found.source == source:
            return found
    from socialgit import config

    return config.load_config(root)


def _same(full: str, sig: Signature | None, hashed: bytes | None, now: Signature | None) -> bool:
    """Whether a file is what the record saw: the same stat, else the same bytes."""
    if now == sig:
        return True
    return hashed is not None and now is not None and _file_digest(full) == hashed


def analyze_cached(
    root: Path,
    files: list[str],
    loaded: LoadedConfig,
    analyze: Analyze,
    *,
    until: float = math.inf,
) -> Analysed:
    """Light reports of ``files``, each analysed afresh only when it (or a media file it
    read) changed. With ``until`` (a POSIX time), a post none of whose deliveries can come
    before it, without problems or results, is only counted (``skipped``)."""
    path = _file(root)
    stamp = _stamp(loaded.source)
    use_cache = not os.environ.get("SOCIALGIT_NO_CACHE")
    saved = _read(path, stamp) if use_cache else _Saved({}, None, b"")
    base = str(root) + os.sep
    records: dict[str, Record] = {}
    missing: list[str] = []
    touched = False
    known = saved.records
    for rel in files:
        full = base + rel
        sig = signature(full)  # taken before analysing: a change meanwhile shows next time
        hit = known.get(rel)
        if hit is not None and hit[0] == sig and not hit[2]:
            records[rel] = hit  # most posts: unchanged, no media
        elif hit is not None and _fresh_record(base, full, hit, sig):
            if hit[0] != sig:
                hit = (sig, *hit[1:9], saved.blob(hit))
                touched = True
            records[rel] = hit
        else:
            missing.append(rel)
    for rel, record in _analyze_many(root, missing, loaded.config, analyze):
        records[rel] = record
    from socialgit.ids import duplicate_ids

    claims: list[Claim] = []
    for rel in files:
        record = records[rel]
        if record[5] is not None:
            claims.append((rel, record[5], record[6], record[7]))
    doubled = saved.doubled
    if missing or touched or len(saved.records) != len(files) or doubled is None:
        doubled = duplicate_ids(claims)
        if use_cache:
            _save(path, stamp, loaded, records, saved, doubled)
    return _load(records, saved, files, until, claims, doubled)


def _fresh_record(base: str, full: str, record: Record, sig: Signature | None) -> bool:
    """``base``: the repository's folder with a trailing separator."""
    if not _same(full, record[0], record[1], sig):
        return False
    return all(_same(base + m, s, h, signature(base + m)) for m, s, h in record[2])


def _load(
    records: dict[str, Record],
    saved: _Saved,
    files: list[str],
    until: float,
    claims: list[Claim],
    doubled: dict[str, Problem],
) -> Analysed:
    reports: list[Report] = []
    skipped = broken = 0
    wake = math.inf
    for rel in files:
        record = records[rel]
        wake = min(wake, record[4])
        broken += record[3] == -math.inf and not record[7]  # no post: -inf and no results
        if record[3] <= until or record[8] or rel in doubled:
            blob = record[9]
            reports.append(pickle.loads(blob if isinstance(blob, bytes) else saved.blob(record)))
        else:
            skipped += 1
    return Analysed(reports, claims, doubled, skipped, wake, broken)


PARALLEL_FROM = 400  # below this, starting processes costs more than it saves


def _analyze_many(
    root: Path, files: list[str], config: Config, analyze: Analyze
) -> list[tuple[str, Record]]:
    """Records of ``files``, spread over the machine's cores when there are many."""
    if not files:
        return []
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    workers = min(os.cpu_count() or 1, 8)
    if len(files) < PARALLEL_FROM or workers < 2 or "fork" not in mp.get_all_start_methods():
        return _analyze_chunk((root, files, config, analyze))
    # The parent takes the first share itself rather than idling while the others work; its
    # first post imports the analysis (the networks, the composer) once, before forking.
    chunks = [files[i::workers] for i in range(workers)]
    mine = _analyze_chunk((root, chunks[0][:1], config, analyze))
    with ProcessPoolExecutor(workers - 1, mp_context=mp.get_context("fork")) as pool:
        later = pool.map(_analyze_chunk, [(root, c, config, analyze) for c in chunks[1:]])
        mine += _analyze_chunk((root, chunks[0][1:], config, analyze))
        done = [mine, *later]
    order = {rel: n for n, rel in enumerate(files)}
    merged = [item for part in done for item in part]
    merged.sort(key=lambda item: order[item[0]])
    return merged


def _analyze_chunk(job: tuple[Path, list[str], Config, Analyze]) -> list[tuple[str, Record]]:
    root, files, config, analyze = job
    base = str(root)
    found = []
    for rel in files:
        sig = signature(os.path.join(base, rel))
        report, data = analyze(root, rel, config)
        found.append((rel, _record(root, report, sig, data, config)))
    return found


def _record(
    root: Path, report: Report, sig: Signature | None, data: bytes | None, config: Config
) -> Record:
    from socialgit.plan import first_seen, wake_at

    post = report.post
    media: Media = tuple(
        (m, s, _file_digest(os.path.join(str(root), m)) if s else None) for m, s in report.media
    )
    claim: tuple[str | None, int, bool] = (None, 0, False)
    if post is not None:
        claim = (post.id, post.id_line, bool(post.results))
    return (
        sig if data is not None else None,
        digest(data) if data is not None else None,
        media,
        first_seen(report),
        wake_at(post, config) if post is not None else math.inf,
        *claim,
        len(report.problems),
        pickle.dumps(report.light(), protocol=pickle.HIGHEST_PROTOCOL),
    )


def _save(
    path: Path,
    stamp: bytes,
    loaded: LoadedConfig,
    records: dict[str, Record],
    saved: _Saved,
    doubled: dict[str, Problem],
) -> None:
    _MEMO.pop((path, stamp), None)
    index: dict[str, Record] = {}
    blobs: list[bytes] = []
    at = 0
    for rel, record in records.items():
        blob = record[9]
        if not isinstance(blob, bytes):
            blob = saved.blob(record)
        index[rel] = (*record[:9], (at, len(blob)))
        blobs.append(blob)
        at += len(blob)
    head = pickle.dumps((stamp, loaded, index, doubled), protocol=pickle.HIGHEST_PROTOCOL)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".plan-")
        with os.fdopen(handle, "wb") as out:
            out.write(len(head).to_bytes(8, "big"))
            out.write(head)
            out.write(b"".join(blobs))
        os.replace(temp, path)
    except OSError:
        pass  # a cache that cannot be written only costs speed
