"""X's weighted length, as twitter-text v3 computes it (placeholder until the full port)."""

from __future__ import annotations

import unicodedata


def weighted_length(text: str) -> int:
    text = unicodedata.normalize("NFC", text)
    units = 0
    for ch in text:
        cp = ord(ch)
        light = cp <= 4351 or 8192 <= cp <= 8205 or 8208 <= cp <= 8223 or 8242 <= cp <= 8247
        units += 100 if light else 200
    return units // 100
