"""A cache of post analyses, so that a plan over an unchanged repository is quick.

Entries are light reports (no texts), which is all a plan needs. Each is keyed by the post
file's stat signature and those of the media it read; the whole cache by socialgit's version
and the config's bytes. It lives in the user's cache folder, never in the repository: a pickle
from a pull request must never be loaded.
"""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from socialgit.config import LoadedConfig
    from socialgit.content import Report
    from socialgit.model import Config

FORMAT = 2


def _folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(base) / "socialgit"


def _file(root: Path) -> Path:
    digest = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:24]
    return _folder() / f"plan-{digest}.pickle"


def _stamp(loaded: LoadedConfig) -> bytes:
    from socialgit import __version__

    seed = f"{FORMAT}:{__version__}:{sys.version_info[:2]}".encode()
    return hashlib.sha256(seed + b"\0" + loaded.source).digest()


def analyze_cached(
    root: Path,
    files: list[str],
    loaded: LoadedConfig,
    analyze: Callable[[Path, str, Config], Report],
) -> list[Report]:
    from socialgit.content import signature

    if os.environ.get("SOCIALGIT_NO_CACHE"):
        return _analyze_many(root, files, loaded.config, analyze)
    path = _file(root)
    stamp = _stamp(loaded)
    entries: dict[str, tuple[object, Report]] = {}
    try:
        with path.open("rb") as handle:
            saved_stamp, saved = pickle.load(handle)
        if saved_stamp == stamp:
            entries = saved
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError):
        entries = {}

    base = str(root)
    reports: dict[str, Report] = {}
    missing: list[str] = []
    # Taken before analysing, so a file changed meanwhile is analysed again next time.
    sigs = {rel: signature(os.path.join(base, rel)) for rel in files}
    for rel in files:
        hit = entries.get(rel)
        if (
            hit is not None
            and hit[0] == sigs[rel]
            and all(signature(os.path.join(base, m)) == s for m, s in hit[1].media)
        ):
            reports[rel] = hit[1]
        else:
            missing.append(rel)
    for report in _analyze_many(root, missing, loaded.config, analyze):
        reports[report.path] = report
    ordered = [reports[rel] for rel in files]
    if missing or len(files) != len(entries):
        fresh: dict[str, tuple[object, Report]] = {r.path: (sigs[r.path], r) for r in ordered}
        _save(path, stamp, fresh)
    return ordered


PARALLEL_FROM = 400  # below this, starting processes costs more than it saves


def _analyze_many(
    root: Path, files: list[str], config: Config, analyze: Callable[[Path, str, Config], Report]
) -> list[Report]:
    """Light reports for ``files``, spread over the machine's cores when there are many."""
    workers = min(os.cpu_count() or 1, 8)
    if len(files) < PARALLEL_FROM or workers < 2 or "fork" not in mp.get_all_start_methods():
        return [analyze(root, rel, config).light() for rel in files]
    chunks = [files[i::workers] for i in range(workers)]
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
        done = pool.map(_analyze_chunk, [(root, chunk, config, analyze) for chunk in chunks])
        return [report for part in done for report in part]


def _analyze_chunk(
    job: tuple[Path, list[str], Config, Callable[[Path, str, Config], Report]],
) -> list[Report]:
    root, files, config, analyze = job
    return [analyze(root, rel, config).light() for rel in files]


def _save(path: Path, stamp: bytes, entries: dict[str, tuple[object, Report]]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".plan-")
        with os.fdopen(handle, "wb") as out:
            pickle.dump((stamp, entries), out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temp, path)
    except OSError:
        pass  # a cache that cannot be written only costs speed
