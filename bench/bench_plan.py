"""How fast `socialgit plan` is over many posts, against a floor measured in the same run.

The floor is what no planner can avoid: start Python, read every post file and parse its
front-matter with PyYAML's C loader. Targets at 10,000 posts: a cold plan within 1.3x the
floor, a warm one (nothing changed since the last run) within 0.3x, and `socialgit --help`
under 150 ms.

    python bench/bench_plan.py [--posts 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CONFIG = """\
timezone: Europe/Berlin
accounts:
  demo: {provider: outbox, path: outbox}
  sky: {provider: bluesky, handle: news.example.com}
  masto: {provider: mastodon, instance: https://mastodon.example}
  xx: {provider: x, client_id: abc}
"""

WORDS = ("launch", "release", "today", "thread", "schedule", "review", "merge", "deploy")

FLOOR = """
import sys, yaml
from pathlib import Path
loader = yaml.CSafeLoader
for path in sorted(Path(sys.argv[1]).rglob("*.md")):
    text = path.read_text(encoding="utf-8")
    end = text.index("\\n---", 3)
    yaml.load(text[4:end], Loader=loader)
"""


def make_repo(root: Path, count: int) -> None:
    rng = random.Random(7)
    (root / "socialgit.yml").write_text(CONFIG)
    for n in range(count):
        folder = root / "content" / f"{n // 500:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        day = 1 + n % 28
        targets = rng.sample(["demo", "sky", "masto", "xx"], k=rng.randint(1, 3))
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 30)))
        body = f"{words} https://example.com/{n} #tag{n % 50}"
        if n % 5 == 0:
            body += f"\n\n---\n\nSecond part {n}: {words[:80]}"
        repeat = '\nrepeat: "0 9 * * MON"' if n % 20 == 0 else ""
        (folder / f"post-{n}.md").write_text(
            f"---\npublish_at: 2027-01-{day:02d} 09:00\ntargets: [{', '.join(targets)}]\n"
            f"id: post-{n}{repeat}\n---\n{body}\n"
        )


def timed(cmd: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        root.mkdir()
        make_repo(root, args.posts)
        env = dict(os.environ, XDG_CACHE_HOME=str(Path(tmp) / "cache"))
        # An installed package has its bytecode compiled; measure that, not recompiling.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        here = Path(__file__).resolve().parent.parent
        subprocess.run(
            [
                sys.executable,
                "-m",
                "compileall",
                "-q",
                str(here / "socialgit"),
                str(here / "providers"),
            ],
            env=env,
            check=True,
        )
        plan = [
            sys.executable,
            "-m",
            "socialgit",
            "-C",
            str(root),
            "plan",
            "--at",
            "2026-12-20 09:00",
            "--format",
            "json",
        ]
        floors, colds, warms, helps = [], [], [], []
        for _ in range(args.repeat):
            floors.append(timed([sys.executable, "-c", FLOOR, str(root)], env))
            cache = Path(tmp) / "cache"
            if cache.exists():
                for item in cache.rglob("*"):
                    if item.is_file():
                        item.unlink()
            colds.append(timed(plan, env))
            warms.append(timed(plan, env))
            helps.append(timed([sys.executable, "-m", "socialgit", "--help"], env))
        floor, cold, warm = (statistics.median(v) for v in (floors, colds, warms))
        help_ms = statistics.median(helps) * 1000
        print(f"posts: {args.posts}")
        print(f"floor (read + CSafeLoader): {floor:.3f} s")
        print(f"cold plan: {cold:.3f} s = {cold / floor:.2f}x floor (target <= 1.3x)")
        print(f"warm plan: {warm:.3f} s = {warm / floor:.2f}x floor (target <= 0.3x)")
        print(f"socialgit --help: {help_ms:.0f} ms (target < 150 ms)")


if __name__ == "__main__":
    main()
