"""Writing entries into post files: ``write_back`` on the current text, nothing else touched.

Entries are applied to whatever the file holds *now* (not to what was read at the start), so
after a rejected push the same updates can be applied again on top of the remote's version.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from socialgit.errors import RepoError
from socialgit.post import split
from socialgit.redact import scrub_data
from socialgit.runner.entries import post_status
from socialgit.writeback import write_back
from socialgit.yamlnodes import YamlError

Updates = dict[str, dict[str, dict[str, Any]]]  # post path → account → entry

_FAST: Any = getattr(yaml, "CSafeLoader", None)
_LOCK = threading.Lock()  # one writer at a time: several accounts of one post share a file


def apply(root: Path, updates: Updates, *, top_status: bool = True) -> tuple[list[str], list[str]]:
    """Write each post's entries (and its top-level status).

    Returns the paths that changed, and one message per post that could not be written (a
    person deleted it, or broke its front-matter, meanwhile): the others are still recorded.
    """
    changed, failures = [], []
    with _LOCK:
        for path, entries in sorted(updates.items()):
            try:
                if _apply_one(root, path, entries, top_status):
                    changed.append(path)
            except RepoError as exc:
                failures.append(str(exc))
    return changed, failures


def _apply_one(root: Path, path: str, entries: Mapping[str, dict[str, Any]], top: bool) -> bool:
    file = root / path
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        raise RepoError(
            f"{path}: the post was deleted while it was being sent; what happened to it is "
            "kept only in the results commit's message"
        ) from None
    text = raw.decode("utf-8")
    new = apply_text(text, path, entries, top=top)
    if new == text:
        return False
    _write_atomic(file, new.encode("utf-8"))
    return True


def apply_text(
    text: str, path: str, entries: Mapping[str, dict[str, Any]], *, top: bool = True
) -> str:
    """``text`` (the post at ``path``) with its entries (and top-level status) written."""
    front = read_front(text, path)
    results = front.get("results")
    merged: dict[str, Any] = dict(results) if isinstance(results, dict) else {}
    # A network's error text may echo a credential (a path with a token in it): never into
    # the file, where it would be committed and pushed.
    merged.update(scrub_data(dict(entries)))
    status = None
    if top:
        targets = front.get("targets")
        names = [str(t) for t in targets] if isinstance(targets, list) else list(merged)
        current = front.get("status")
        status = post_status(
            str(current) if current is not None else None,
            names,
            merged,
            recurring=front.get("repeat") is not None,
        )
    try:
        return write_back(text, status, merged)
    except (ValueError, TypeError) as exc:
        raise RepoError(f"{path}: cannot write the result back: {exc}") from exc


def results(root: Path, path: str) -> dict[str, Any] | None:
    """The post's ``results:`` as the file holds them now (None: the file is gone)."""
    try:
        text = (root / path).read_bytes().decode("utf-8")
    except FileNotFoundError:
        return None
    found = read_front(text, path).get("results")
    return dict(found) if isinstance(found, dict) else {}


def read_front(text: str, path: str) -> dict[str, Any]:
    """A post's front-matter as data; ``RepoError`` when it cannot be read."""
    try:
        front = split(text.removeprefix("\ufeff")).front
    except YamlError as exc:
        raise RepoError(f"{path}: cannot read its front-matter to record a result: {exc}") from exc
    try:
        # libyaml first: this runs for every part of every delivery, and the pure-Python
        # reader made recording a thousand deliveries take seconds. What libyaml cannot
        # read the pure reader still may (write_back proves the edit under both anyway).
        data = yaml.load(front, Loader=_FAST) if _FAST is not None else yaml.safe_load(front)
    except yaml.YAMLError:
        try:
            data = yaml.safe_load(front)
        except yaml.YAMLError as exc:
            message = f"{path}: cannot read its front-matter to record a result: {exc}"
            raise RepoError(message) from exc
    return data if isinstance(data, dict) else {}


def _write_atomic(file: Path, data: bytes) -> None:
    # A kill mid-write must leave the old file or the new one, never half of either.
    temp = file.with_name(f".{file.name}.socialgit-tmp")
    temp.write_bytes(data)
    os.chmod(temp, file.stat().st_mode & 0o7777)  # git records the executable bit
    os.replace(temp, file)
