"""``socialgit publish``: the runner. Each module has one job:

work      what is due, missed or in doubt (from socialgit.plan), as work items
keys      delivery keys and shards
entries   the results entries and the post's top-level status
files     writing entries into post files (socialgit.writeback)
git       commit, push, and the answer "rejected" (the lock)
ready     recording what a network prepares (Nostr's signed events) before sending it
deliver   sending, concurrently, and judging each provider error by its class
checkpoints  a step in flight (a container, an upload session) pushed before it can double
run       one run, start to end
credentials  the seam to the vault: what a delivery reads, when a refresh happens
tokens    refreshing under a lease on the remote, pushing the vault before any use
report    what a person (and GitHub's step summary) reads
pause     a test-only hook to stop at a step and be killed there
"""

from socialgit.runner.run import Hooks, Options, RunReport, publish

__all__ = ["Hooks", "Options", "RunReport", "publish"]
