"""Words in what a person reads: counted nouns ("1 delivery", "2 deliveries", never "1
deliveries"), and text made safe for a cell of a Markdown table."""

from __future__ import annotations

_IRREGULAR = {"delivery": "deliveries", "entry": "entries", "is": "are", "was": "were"}


def plural(count: int, one: str, many: str | None = None) -> str:
    """``count`` and the noun in the form that count takes: ``plural(1, "post")`` is
    "1 post", ``plural(2, "delivery")`` is "2 deliveries"."""
    if count == 1:
        return f"{count} {one}"
    return f"{count} {many or _IRREGULAR.get(one) or one + 's'}"


def table_cell(value: str) -> str:
    """``value`` as one cell of a Markdown table: pipes escaped, line breaks as spaces."""
    return value.replace("|", "\\|").replace("\n", " ")
