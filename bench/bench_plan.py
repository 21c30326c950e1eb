"""How fast `socialgit plan` and `validate` are over many posts, against a floor measured in
the same run.

The floor is what no planner can avoid: start Python, read every post file and parse its
front-matter with PyYAML's C loader. Each row is the best of ``--repeat`` runs, as a ratio to
the floor's best, with its target and whether it is met:

| what | target |
|---|---|
| cold plan / validate (no cache) | <= 1.2x the floor (both cores may be used) |
| warm plan / validate (nothing changed since the last run) | <= 0.25x the floor |
| peak memory of a cold plan, all its processes (summed PSS) | <= 100 MiB |
| socialgit --help | <= 100 ms |

    python bench/bench_plan.py [--posts 10000] [--repeat 3]

Exit 1 when a target is missed. The machine's load is printed: a busy machine makes every
ratio noisy (the floor and socialgit are slowed alike only on average).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
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
AT = "2026-12-20 09:00"  # a week before the posts' month: a plan with nothing upcoming

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


def bench_env(cache: Path) -> dict[str, str]:
    env = dict(os.environ, XDG_CACHE_HOME=str(cache))
    # An installed package has its bytecode compiled; measure that, not recompiling.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("SOCIALGIT_NO_CACHE", None)
    here = Path(__file__).resolve().parent.parent
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(here), env.get("PYTHONPATH")]))
    folders = [str(here / "socialgit"), str(here / "providers")]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *folders], env=env, check=True)
    return env


def timed(cmd: list[str], env: dict[str, str], cwd: Path | None = None) -> float:
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL)
    if done.returncode not in (0, 1):  # 1: problems found, still a full run
        raise SystemExit(f"{' '.join(cmd)} failed with exit {done.returncode}")
    return time.perf_counter() - started


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    todo += [int(c) for c in handle.read().split()]
            except OSError:
                pass
    return found


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def peak_mib(cmd: list[str], env: dict[str, str]) -> float:
    """The peak of the summed proportional set size (shared pages counted once) of the
    command and every process it starts, sampled every 2 ms."""
    process = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL)
    peak = 0
    while process.poll() is None:
        peak = max(peak, sum(_pss_kib(p) for p in _tree(process.pid)))
        time.sleep(0.002)
    return peak / 1024


def clear(cache: Path) -> None:
    shutil.rmtree(cache, ignore_errors=True)


def row(name: str, value: float, unit: str, target: float, extra: str = "") -> bool:
    met = value <= target
    verdict = "met" if met else "MISSED"
    print(f"{name:<34} {value:8.3f}{unit:<3}{extra:<14} target <= {target:g}{unit}  {verdict}")
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        root.mkdir()
        make_repo(root, args.posts)
        cache = Path(tmp) / "cache"
        env = bench_env(cache)
        socialgit = [sys.executable, "-m", "socialgit", "-C", str(root)]
        plan = [*socialgit, "plan", "--at", AT, "--format", "json"]
        validate = [*socialgit, "validate", "--at", AT, "--format", "json"]
        runs: dict[str, list[float]] = {}

        def add(name: str, seconds: float) -> None:
            runs.setdefault(name, []).append(seconds)

        load = os.getloadavg()
        for _ in range(args.repeat):
            add("floor", timed([sys.executable, "-c", FLOOR, str(root)], env))
            for name, cmd in (("plan", plan), ("validate", validate)):
                clear(cache)
                add(f"cold {name}", timed(cmd, env))
                add(f"warm {name}", timed(cmd, env))
            add("help", timed([sys.executable, "-m", "socialgit", "--help"], env))
        clear(cache)
        memory = peak_mib(plan, env)
        memory_warm = peak_mib(plan, env)
        best = {name: min(values) for name, values in runs.items()}
        floor = best["floor"]
        after = os.getloadavg()
        print(f"posts: {args.posts}, best of {args.repeat}; cores: {os.cpu_count()}")
        print(
            f"load average (1, 5, 15 min): before {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, ",
            end="",
        )
        print(f"after {after[0]:.2f} {after[1]:.2f} {after[2]:.2f}")
        print(f"{'floor (read + CSafeLoader)':<34} {floor:8.3f}s")
        ok = True
        for name in ("cold plan", "warm plan", "cold validate", "warm validate"):
            target = 1.2 if name.startswith("cold") else 0.25
            ok &= row(
                f"{name} (x floor)", best[name] / floor, "x", target, f" ({best[name]:.3f} s)"
            )
        ok &= row("peak memory, cold plan", memory, "MiB", 100, f" (warm {memory_warm:.0f})")
        ok &= row("socialgit --help", best["help"] * 1000, "ms", 100)
        print("all targets met" if ok else "MISSED TARGET")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
