"""Where a content repository is: the folder holding socialgit.yml.

Apart from socialgit.config so that finding the repository imports no YAML reader.
"""

from __future__ import annotations

from pathlib import Path

from socialgit.errors import ConfigError

CONFIG_FILE = "socialgit.yml"


def find_root(start: Path) -> Path:
    """Walk up from ``start`` to the folder holding socialgit.yml."""
    here = start.resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder
    raise ConfigError(
        f"no {CONFIG_FILE} in {start} or any folder above it (run `socialgit init` to create one)"
    )
