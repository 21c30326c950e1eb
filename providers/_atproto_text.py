"""Bluesky rich text: facet detection as @atproto/api's RichText does it (placeholder)."""

from __future__ import annotations

from typing import Any


def detect_facets(text: str) -> list[dict[str, Any]]:
    return []
