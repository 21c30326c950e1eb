"""A video file's duration, read from its MP4/QuickTime ``moov/mvhd`` box (ISO/IEC 14496-12
§8.2.2), so that a video longer than TikTok lets the creator post is refused before ``init``.

Only the box headers on the way are read (seeking past ``mdat``), never the media itself.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO

_HEADER = 8


def duration(path: Path) -> float | None:
    """Seconds, or None when the file has no readable ``mvhd``."""
    try:
        with path.open("rb") as handle:
            size = path.stat().st_size
            moov = _find(handle, b"moov", 0, size)
            if moov is None:
                return None
            mvhd = _find(handle, b"mvhd", *moov)
            if mvhd is None:
                return None
            handle.seek(mvhd[0])
            head = handle.read(32)
    except OSError:
        return None
    if len(head) < 20:
        return None
    if head[0] == 1:  # version 1: 64-bit times
        if len(head) < 32:
            return None
        scale, length = struct.unpack(">IQ", head[20:32])
    else:
        scale, length = struct.unpack(">II", head[12:20])
    return length / scale if scale else None


def _find(handle: BinaryIO, kind: bytes, start: int, end: int) -> tuple[int, int] | None:
    """(start, end) of the payload of the first box ``kind`` between ``start`` and ``end``."""
    at = start
    while at + _HEADER <= end:
        handle.seek(at)
        head = handle.read(_HEADER)
        if len(head) < _HEADER:
            return None
        size, name = struct.unpack(">I4s", head)
        body = at + _HEADER
        if size == 1:  # a 64-bit size follows the type
            large = handle.read(8)
            if len(large) < 8:
                return None
            size = struct.unpack(">Q", large)[0]
            body += 8
        elif size == 0:  # to the end of the file
            size = end - at
        if size < body - at:
            return None
        if name == kind:
            return body, min(at + size, end)
        at += size
    return None
