"""Writing the dashboard's folder (``socialgit site DIR``).

The folder is whole on its own: the pages, the assets shipped in this package (the CSS,
site.js, and Chart.js with its matrix plugin, vendored under assets/vendor with their
licenses), and a copy of every image the posts attach. The pages load nothing from any
other host, so they open from the file system as they do on GitHub Pages.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib.resources import files
from pathlib import Path

from socialgit.errors import UsageError
from socialgit.site import pages
from socialgit.site.data import SiteData, gather

ASSETS = (
    "site.css",
    "site.js",
    "vendor/chart.umd.min.js",
    "vendor/chartjs-chart-matrix.min.js",
    "vendor/LICENSE-chart.js.md",
    "vendor/LICENSE-chartjs-chart-matrix",
)
MARKER = ".socialgit-site"  # a folder holding it was written by us, and may be written again


@dataclass(frozen=True)
class Built:
    folder: Path
    pages: int
    images: int
    size: int  # bytes of everything written
    index_size: int


def build_site(root: Path, target: Path, now: datetime, horizon: timedelta) -> Built:
    _claim(target)
    data = gather(root, now, horizon)
    written: list[Path] = []

    def write(rel: str, text: str) -> None:
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)

    write("index.html", pages.index_page(data))
    write("posts.html", pages.posts_page(data))
    for year, month in data.months:
        write(pages.month_file(year, month), pages.month_page(data, year, month))
    for post in data.posts.values():
        write(f"posts/{post.page}", pages.post_page(data, post))
    written += _assets(target)
    images = _images(root, target, data)
    written += images
    return Built(
        folder=target,
        pages=sum(1 for p in written if p.suffix == ".html"),
        images=len(images),
        size=sum(p.stat().st_size for p in written),
        index_size=(target / "index.html").stat().st_size,
    )


def _claim(target: Path) -> None:
    """Write into a new or empty folder, or one an earlier run wrote (pages that no longer
    exist are removed then); never into a folder of something else."""
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target} exists and is not a folder")
    if target.is_dir() and any(target.iterdir()):
        if not (target / MARKER).is_file():
            raise UsageError(
                f"{target} is not empty and was not made by socialgit site: choose another "
                "folder (or empty it)"
            )
        for name in ("posts", "months", "media", "assets"):
            shutil.rmtree(target / name, ignore_errors=True)
    target.mkdir(parents=True, exist_ok=True)
    (target / MARKER).write_text("written by socialgit site; rewritten on every build\n")


def _assets(target: Path) -> list[Path]:
    found = []
    source = files("socialgit").joinpath("site", "assets")
    for rel in ASSETS:
        path = target / "assets" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data = source.joinpath(*rel.split("/")).read_bytes()
        if rel.endswith(".js"):
            # The release files end by naming a source map that is not shipped: a browser
            # with developer tools open would ask for it.
            data = b"\n".join(
                line for line in data.split(b"\n") if not line.startswith(b"//# sourceMappingURL")
            )
        path.write_bytes(data)
        found.append(path)
    return found


def _images(root: Path, target: Path, data: SiteData) -> list[Path]:
    """Every attached image inside the repository, copied to media/ under its own path."""
    wanted = {
        str(m["path"])
        for post in data.posts.values()
        for t in (post.document or {}).get("targets", [])
        for part in t["parts"]
        for m in part["media"]
    }
    top = root.resolve()
    copied = []
    for rel in sorted(wanted):
        source = (root / rel).resolve()
        if not source.is_file() or os.path.commonpath([str(source), str(top)]) != str(top):
            continue  # missing (validate says so) or outside the repository: never copied
        path = target / "media" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, path)
        copied.append(path)
    return copied
