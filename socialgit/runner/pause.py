"""A test-only hook to stop a run at a precise step, so a test can kill it there for real.

``SOCIALGIT_TEST_PAUSE_AT=<step>`` makes the run write its pid to
``SOCIALGIT_TEST_PAUSE_FILE`` when it reaches that step, then sleep until killed. Steps:

    claimed       claims committed and pushed, nothing sent yet
    leased        a refresh lease pushed, the token not spent yet
    refreshed     the refresh answered and saved to disk, the vault not pushed yet
    vault-pushed  the refreshed vault pushed, the new access token not used yet
    prepared      what networks prepare (runner.ready) pushed (if any), nothing sent yet
    part          a thread part (not the last) accepted and written into the checkout
    delivered     every delivery answered, no result written yet
    committed     results committed locally, not pushed yet

Unset (always, outside the runner's own tests), it costs one environment look-up.
"""

from __future__ import annotations

import os
import time
from pathlib import Path


def pause(step: str) -> None:
    if os.environ.get("SOCIALGIT_TEST_PAUSE_AT") != step:
        return
    marker = os.environ.get("SOCIALGIT_TEST_PAUSE_FILE")
    if marker:
        Path(marker).write_text(str(os.getpid()), encoding="utf-8")
    while True:  # the test kills us here
        time.sleep(60)
