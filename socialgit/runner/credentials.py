"""Where the runner gets credentials: the one seam between publishing and the vault.

The credentials work (socialgit/credentials.py) plugs in by defining
``runner_hooks(root: Path) -> socialgit.runner.Hooks``: decrypting entries per account,
refreshing an expired token once, and refreshing before the claim commit (returning the
vault's path so it is committed and pushed with the claims). Until it does, the runner
publishes with no credentials, which is all ``outbox`` and a ``webhook`` with ``url:`` in
socialgit.yml need; any other network fails with a message that says what is missing.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from socialgit.runner.run import Hooks


def hooks(root: Path) -> Hooks:
    try:
        module = importlib.import_module("socialgit.credentials")
    except ImportError:
        return Hooks()
    make = getattr(module, "runner_hooks", None)
    if make is None:
        return Hooks()
    found = make(root)
    return found if isinstance(found, Hooks) else Hooks()
