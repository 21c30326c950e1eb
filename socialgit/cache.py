"""A cache of post analyses, so that a plan over an unchanged repository is quick.

Entries are light reports (no texts), which is all a plan needs. Each is keyed by the post
file's stat signature and those of the media it read; the whole cache by socialgit's version
and the config's bytes. It lives in the user's cache folder, never in the repository: a pickle
from a pull request must never be loaded.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from socialgit.config import LoadedConfig
    from socialgit.content import Report
    from socialgit.model import Config

FORMAT = 1


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
        return [analyze(root, rel, loaded.config).light() for rel in files]
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

    reports: list[Report] = []
    fresh: dict[str, tuple[object, Report]] = {}
    changed = False
    base = str(root)
    for rel in files:
        sig = signature(os.path.join(base, rel))
        hit = entries.get(rel)
        if (
            hit is not None
            and sig is not None
            and hit[0] == sig
            and all(signature(os.path.join(base, m)) == s for m, s in hit[1].media)
        ):
            report = hit[1]
        else:
            report = analyze(root, rel, loaded.config).light()
            changed = True
        reports.append(report)
        fresh[rel] = (sig, report)
    if changed or len(fresh) != len(entries):
        _save(path, stamp, fresh)
    return reports


def _save(path: Path, stamp: bytes, entries: dict[str, tuple[object, Report]]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".plan-")
        with os.fdopen(handle, "wb") as out:
            pickle.dump((stamp, entries), out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temp, path)
    except OSError:
        pass  # a cache that cannot be written only costs speed
