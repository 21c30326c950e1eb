"""Publishing speed, against floors measured in the same run. Two rows:

- ``publish`` of 1,000 due deliveries over 20 webhook accounts answering in 50 ms: at most
  1.3x the per-account floor (the slowest account's deliveries one after another) plus the
  git work, which is reported apart; 2 commits;
- a ``publish`` run with nothing due, in a clone of a 10,000-post repository, its cache from
  an earlier run present: at most 0.5x the floor of bench_plan.py (start Python, read and
  parse every post's front-matter); no commit, no push.

The first row runs ``socialgit.runner.publish`` in this process (real git with a bare remote,
real HTTP to a receiver in another process on 127.0.0.1) and times every git command it
runs; the second runs the CLI as cron
would, best of ``--repeat``.

    python bench/bench_publish.py [--posts 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, ClassVar

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from bench_plan import AT, FLOOR, bench_env, make_repo, row, timed  # noqa: E402

POSTS = 50
ACCOUNTS = 20
LATENCY = 0.05
AUTHOR = {
    "GIT_AUTHOR_NAME": "b",
    "GIT_AUTHOR_EMAIL": "b@x",
    "GIT_COMMITTER_NAME": "b",
    "GIT_COMMITTER_EMAIL": "b@x",
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # The headers and the body go out in two writes: with Nagle's algorithm the second waits
    # for the client's delayed ACK (40 ms on Linux), which a real server never makes it pay.
    disable_nagle_algorithm = True
    seen: ClassVar[set[str]] = set()
    span: ClassVar[list[float]] = []  # first request in, last answer out (monotonic clock)
    lock = threading.Lock()

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with self.lock:
            self.seen.add(self.headers.get("Idempotency-Key", ""))
            if not self.span:
                self.span[:] = [time.monotonic(), 0.0]
        time.sleep(LATENCY)
        body = b"{}"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        with self.lock:
            self.span[1] = time.monotonic()


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, **AUTHOR}
    done = subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env=env
    )
    return done.stdout


def clone_of(base: Path, fill: Callable[[Path], None]) -> tuple[Path, Path]:
    """A bare remote holding what ``fill`` writes, and a fresh clone of it."""
    remote = base / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    seed = base / "seed"
    subprocess.run(["git", "clone", "-q", str(remote), str(seed)], check=True, capture_output=True)
    fill(seed)
    git(seed, "add", "-A")
    git(seed, "commit", "-q", "-m", "content")
    git(seed, "push", "-q", "origin", "HEAD:main")
    work = base / "work"
    subprocess.run(["git", "clone", "-q", str(remote), str(work)], check=True, capture_output=True)
    return remote, work


class GitClock:
    """Wall time spent in git commands (GitPython's and direct ones) while it is installed."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.commands = 0

    def install(self) -> None:
        import git as gitpython

        execute = gitpython.cmd.Git.execute
        run = subprocess.run

        def timed_execute(this: Any, command: Any, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return execute(this, command, *args, **kwargs)
            finally:
                self._add(time.perf_counter() - started)

        def timed_run(command: Any, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return run(command, *args, **kwargs)
            finally:
                if isinstance(command, list | tuple) and command and command[0] == "git":
                    self._add(time.perf_counter() - started)

        gitpython.cmd.Git.execute = timed_execute  # type: ignore[method-assign,assignment]
        subprocess.run = timed_run  # type: ignore[assignment]

    def _add(self, seconds: float) -> None:
        self.seconds += seconds
        self.commands += 1


def deliveries(url: str, receiver: Connection) -> bool:
    from socialgit.runner import Options, publish

    def fill(seed: Path) -> None:
        accounts = "".join(
            f"  hook{i}:\n    provider: webhook\n    url: {url}\n" for i in range(ACCOUNTS)
        )
        (seed / "socialgit.yml").write_text(f"timezone: UTC\naccounts:\n{accounts}")
        targets = ", ".join(f"hook{i}" for i in range(ACCOUNTS))
        (seed / "content").mkdir()
        for n in range(POSTS):
            (seed / "content" / f"post{n:03}.md").write_text(
                f"---\npublish_at: 2026-01-01 09:00\ntargets: [{targets}]\n---\nPost {n}\n"
            )

    with tempfile.TemporaryDirectory() as folder:
        os.environ["XDG_CACHE_HOME"] = str(Path(folder) / "cache")
        remote, work = clone_of(Path(folder), fill)
        before = int(git(work, "rev-list", "--count", "HEAD"))
        clock = GitClock()
        clock.install()
        started = time.perf_counter()
        report = publish(work, Options(at=datetime(2026, 1, 1, 9, 1, tzinfo=UTC)))
        wall = time.perf_counter() - started
        commits = int(git(remote, "rev-list", "--count", "main")) - before
    receiver.send("done")
    keys, first, last = receiver.recv()
    total = POSTS * ACCOUNTS
    published = sum(1 for o in report.outcomes if o.state == "published")
    floor = POSTS * LATENCY  # each account's deliveries, one after another
    rest = wall - clock.seconds
    print(
        f"{total} deliveries over {ACCOUNTS} webhook accounts ({LATENCY * 1000:.0f} ms each): "
        f"{published} published, {keys} distinct keys received, {commits} commits"
    )
    print(
        f"  wall {wall:.3f} s = git work {clock.seconds:.3f} s ({clock.commands} commands) "
        f"+ the rest {rest:.3f} s; per-account floor {floor:.3f} s"
    )
    print(
        f"  of the rest: delivering (first request to last answer, as the receiver saw it) "
        f"{last - first:.3f} s = {(last - first) / floor:.2f}x floor; load, claim, "
        f"record {rest - (last - first):.3f} s"
    )
    ok = row("publish 1,000 minus git (x floor)", rest / floor, "x", 1.3, f" ({rest:.3f} s)")
    ok &= row("commits", commits, "", 2)
    return ok and published == total and commits == 2 and keys == total


def idle(posts: int, repeat: int) -> bool:
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        (base / "build").mkdir()
        remote, work = clone_of(base / "build", lambda seed: make_repo(seed, posts))
        env = bench_env(base / "cache")
        command = [sys.executable, "-m", "socialgit", "-C", str(work), "publish", "--at", AT]
        heads = (git(remote, "rev-parse", "main"), git(work, "rev-parse", "HEAD"))
        timed(command, env)  # the earlier run: its cache is what this row is about
        floors, runs = [], []
        for _ in range(repeat):
            floors.append(timed([sys.executable, "-c", FLOOR, str(work)], env))
            runs.append(timed(command, env))
        unchanged = (git(remote, "rev-parse", "main"), git(work, "rev-parse", "HEAD")) == heads
        said = subprocess.run(command, env=env, capture_output=True, text=True).stdout.strip()
    floor, best = min(floors), min(runs)
    changed = "none" if unchanged else "SOME"
    print(f"idle publish over {posts} posts: {said!r}; commits or pushes: {changed}")
    print(f"{'floor (read + CSafeLoader)':<34} {floor:8.3f}s")
    ok = row("idle publish (x floor)", best / floor, "x", 0.5, f" ({best:.3f} s)")
    return ok and unchanged and said.startswith("nothing due")


def receiver(conn: Connection) -> None:
    """The webhook receiver, in its own process as a real one would be: its work must not
    take the runner's interpreter lock. Sends its port, then the distinct keys it saw."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    conn.send(server.server_address[1])
    conn.recv()  # the bench is done
    server.shutdown()
    conn.send((len(Handler.seen), *(Handler.span or [0.0, 0.0])))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"cores: {os.cpu_count()}; load average (1, 5, 15 min): {load[0]:.2f} ", end="")
    print(f"{load[1]:.2f} {load[2]:.2f}")
    ok = idle(args.posts, args.repeat)
    ours, theirs = multiprocessing.Pipe()
    process = multiprocessing.get_context("fork").Process(target=receiver, args=(theirs,))
    process.start()
    try:
        port = ours.recv()
        ok &= deliveries(f"http://127.0.0.1:{port}/hook", ours)
    finally:
        process.join(timeout=30)
        process.kill()
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print("all targets met" if ok else "MISSED TARGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
