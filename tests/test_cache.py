"""The plan cache never gives a stale answer: a changed post, media file, config, socialgit
version or network rule is analysed afresh; an unchanged one is not, even in a fresh clone."""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from socialgit import analysis, cache
from socialgit.content import load_content
from tests.cli_run import run
from tests.conftest import Repo, png


@pytest.fixture
def analysed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The posts analysed afresh (not answered from the cache)."""
    seen: list[str] = []
    real = analysis.analyze_read

    def counting(root: Path, rel: str, config: object) -> object:
        seen.append(rel)
        return real(root, rel, config)  # type: ignore[arg-type]

    monkeypatch.setattr(analysis, "analyze_read", counting)
    return seen


def plan_json(capsys: pytest.CaptureFixture[str], repo: Repo, *extra: str) -> dict[str, object]:
    outcome = run(
        capsys, "-C", str(repo.root), "plan", "--at", "2026-12-01 09:00", "--format", "json", *extra
    )
    return json.loads(outcome.out)  # type: ignore[no-any-return]


def lengths(document: dict[str, object]) -> dict[str, tuple[int, int]]:
    rows = document["deliveries"]
    assert isinstance(rows, list)
    return {f"{d['post']}:{d['account']}": (d["length"], d["limit"]) for d in rows}


def test_unchanged_posts_are_not_analysed_again(repo: Repo, analysed: list[str]) -> None:
    repo.post("a", "publish_at: 2026-12-01 09:00\ntargets: [demo]")
    repo.post("b", "publish_at: 2026-12-02 09:00\ntargets: [demo]")
    first = load_content(repo.root, cached=True)
    assert sorted(analysed) == ["content/a.md", "content/b.md"]
    again = load_content(repo.root, cached=True)
    assert len(analysed) == 2
    assert [r.post for r in again.reports] == [r.post for r in first.reports]


def test_a_changed_post_is_analysed_again(
    capsys: pytest.CaptureFixture[str], repo: Repo, analysed: list[str]
) -> None:
    rel = repo.post("a", "publish_at: 2026-12-01 09:30\ntargets: [short]", "Short")
    assert lengths(plan_json(capsys, repo)) == {f"{rel}:short": (5, 280)}
    repo.post("a", "publish_at: 2026-12-01 09:30\ntargets: [short]", "A longer text")
    os.utime(repo.root / rel, ns=(1, 1))  # even with an old mtime: the size differs
    assert lengths(plan_json(capsys, repo)) == {f"{rel}:short": (13, 280)}
    assert analysed == [rel, rel]


def test_same_size_and_mtime_but_another_inode_is_seen(repo: Repo, analysed: list[str]) -> None:
    rel = repo.post("a", "publish_at: 2026-12-01 09:00\ntargets: [demo]", "Text one")
    load_content(repo.root, cached=True)
    stat = os.stat(repo.root / rel)
    os.unlink(repo.root / rel)
    repo.post("a", "publish_at: 2026-12-01 09:00\ntargets: [demo]", "Text two")
    os.utime(repo.root / rel, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    content = load_content(repo.root, cached=True)
    assert analysed == [rel, rel]
    assert content.reports[0].post is not None


def test_a_fresh_clone_reuses_the_cache_by_content(repo: Repo, analysed: list[str]) -> None:
    """Restored onto a new checkout (CI), every stat differs: the bytes decide."""
    same = repo.post("same", "publish_at: 2026-12-01 09:00\ntargets: [demo]", "Unchanged")
    other = repo.post("other", "publish_at: 2026-12-01 09:00\ntargets: [demo]", "Before")
    load_content(repo.root, cached=True)
    analysed.clear()
    for rel, body in ((same, "Unchanged"), (other, "After!")):
        os.unlink(repo.root / rel)
        repo.post(Path(rel).stem, "publish_at: 2026-12-01 09:00\ntargets: [demo]", body)
    content = load_content(repo.root, cached=True)
    assert analysed == [other]
    assert all(r.post is not None for r in content.reports)
    load_content(repo.root, cached=True)
    assert analysed == [other]  # the new stats were recorded


def test_a_changed_image_is_checked_again(
    capsys: pytest.CaptureFixture[str], repo: Repo, analysed: list[str]
) -> None:
    repo.write("content/pic.png", png())
    rel = repo.post("a", "publish_at: 2026-12-01 09:00\ntargets: [demo]", "![A picture](pic.png)")
    assert plan_json(capsys, repo)["problems"] == []
    (repo.root / "content/pic.png").write_bytes(b"not an image at all")
    problems = plan_json(capsys, repo)["problems"]
    assert problems and isinstance(problems, list) and problems[0]["path"] == rel
    assert analysed == [rel, rel]


def test_a_changed_config_starts_afresh(capsys: pytest.CaptureFixture[str], repo: Repo) -> None:
    rel = repo.post("a", "publish_at: 2026-12-01 09:30\ntargets: [short]", "Short")
    assert lengths(plan_json(capsys, repo)) == {f"{rel}:short": (5, 280)}
    config = (repo.root / "socialgit.yml").read_text().replace("limit: 280", "limit: 3")
    repo.write("socialgit.yml", config)
    document = plan_json(capsys, repo)
    assert lengths(document) == {}  # too long now: an error, not planned
    assert "limit is 3" in json.dumps(document["problems"])


def test_a_new_socialgit_version_starts_afresh(
    monkeypatch: pytest.MonkeyPatch, repo: Repo, analysed: list[str]
) -> None:
    repo.post("a", "publish_at: 2026-12-01 09:00\ntargets: [demo]")
    load_content(repo.root, cached=True)
    monkeypatch.setattr("socialgit.__version__", "99.0.0")
    monkeypatch.setattr(cache, "_CODE", [])
    load_content(repo.root, cached=True)
    assert len(analysed) == 2


def test_an_edited_network_rule_changes_the_code_stamp(tmp_path: Path) -> None:
    """A source tree (a checkout, an editable install): any module's change counts."""
    for rel in ("socialgit/__init__.py", "providers/x/text.py"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("LIMIT = 280\n")
    before = cache.code_stamp(tmp_path)
    (tmp_path / "providers/x/text.py").write_text("LIMIT = 500\n")
    assert cache.code_stamp(tmp_path) != before


def test_an_installed_release_is_stamped_by_its_record(tmp_path: Path) -> None:
    """Installed: the dist-info RECORD (every file's hash) stands for the code, so a
    reinstall with new mtimes keeps the cache and a changed file does not."""
    record = tmp_path / "socialgit-0.1.0.dist-info" / "RECORD"
    record.parent.mkdir()
    record.write_text("providers/x/text.py,sha256=one,100\n")
    (tmp_path / "socialgit").mkdir()
    before = cache.code_stamp(tmp_path)
    os.utime(record, ns=(1, 1))
    assert cache.code_stamp(tmp_path) == before
    record.write_text("providers/x/text.py,sha256=two,100\n")
    assert cache.code_stamp(tmp_path) != before


def test_a_broken_cache_file_is_ignored(repo: Repo, analysed: list[str]) -> None:
    repo.post("a", "publish_at: 2026-12-01 09:00\ntargets: [demo]")
    load_content(repo.root, cached=True)
    cache._MEMO.clear()
    for name in os.listdir(cache._folder()):
        (cache._folder() / name).write_bytes(b"\x00\x00\x00\x00\x00\x00\x00\x05junk!")
    content = load_content(repo.root, cached=True)
    assert content.reports[0].post is not None and len(analysed) == 2


def test_posts_beyond_the_window_are_counted_not_loaded(
    capsys: pytest.CaptureFixture[str], repo: Repo
) -> None:
    repo.post("soon", "publish_at: 2026-12-02 09:00\ntargets: [demo]")
    repo.post("far", "publish_at: 2027-06-01 09:00\ntargets: [demo]")
    repo.post("far-broken", "publish_at: 2027-06-01 09:00\ntargets: [nobody]")
    repo.post("far-dup", "publish_at: 2027-06-01 09:00\ntargets: [demo]\nid: twin")
    repo.post("far-dup2", "publish_at: 2027-06-01 09:00\ntargets: [demo]\nid: twin")
    week = datetime(2026, 12, 8, tzinfo=UTC)
    for _ in range(2):  # cold, then warm: the same answer
        content = load_content(repo.root, cached=True, until=week.timestamp())
        paths = [r.path for r in content.reports]
        assert "content/far.md" not in paths and content.skipped == 2
        assert {p.path for p in content.problems} == {
            "content/far-broken.md",
            "content/far-dup2.md",
        }
        document = plan_json(capsys, repo)
        assert [d["post"] for d in document["deliveries"]] == ["content/soon.md"]  # type: ignore[index]
    outcome = run(capsys, "-C", str(repo.root), "validate", "--at", "2026-12-01 09:00")
    assert outcome.err.startswith("5 posts checked, 2 problems")


def test_no_cache_is_written_with_socialgit_no_cache(
    monkeypatch: pytest.MonkeyPatch, repo: Repo
) -> None:
    monkeypatch.setenv("SOCIALGIT_NO_CACHE", "1")
    repo.post("a", "publish_at: 2026-12-01 09:00\ntargets: [demo]")
    assert load_content(repo.root, cached=True).reports[0].post is not None
    assert not cache._folder().exists() or not os.listdir(cache._folder())


def test_the_cache_lives_outside_the_repository(repo: Repo) -> None:
    repo.post("a", "publish_at: 2026-12-01 09:00\ntargets: [demo]")
    before = sorted(p.name for p in repo.root.rglob("*"))
    load_content(repo.root, cached=True)
    assert sorted(p.name for p in repo.root.rglob("*")) == before
    shutil.rmtree(cache._folder())
