"""The chaos soak (lab octet 86): writers on, faults at random points, nothing acknowledged lost.

`make test` runs a short soak (2 rounds); `make soak` a longer one (DCC_SOAK_ROUNDS, default 10).
The seed is printed (DCC_SOAK_SEED repeats a run); the summary prints the faults injected, the
writes acknowledged, refused and lost. See tests/support/chaos.py for what a round does.
"""

from __future__ import annotations

import os
import random
import time

import pytest

from migration.backupstore.server import LocalS3Server
from tests.support.chaos import Soak
from tests.support.lab import shifted
from tests.support.migrate import write_plan

pytestmark = [pytest.mark.integration, pytest.mark.slow]
NAME, OCTET = shifted("pipec", 86)
APPS = ["simpeg-kemenkes", "perizinan-jabar"]  # a database on another host, and one on the same host
ROUNDS = int(os.environ.get("DCC_SOAK_ROUNDS", "2"))


def test_chaos_soak_loses_no_acknowledged_write(make_lab, tmp_path):
    seed = int(os.environ.get("DCC_SOAK_SEED") or random.SystemRandom().randrange(1 << 32))
    print(f"\nchaos soak: seed {seed}, {ROUNDS} round(s), apps {', '.join(APPS)}")
    lab = make_lab(NAME, OCTET)
    plan = write_plan(lab.run_dir / "estate", [APPS], tmp_path / "plan.json")
    started = time.monotonic()
    with LocalS3Server() as s3:
        soak = Soak(lab, NAME, plan, s3.endpoint_url, APPS, random.Random(seed))
        with soak.writers() as writers:
            time.sleep(1)
            for number in range(1, ROUNDS + 1):
                soak.round(number)
            time.sleep(1)
        figures = soak.check(writers)
    print(f"chaos soak: seed {seed}; {ROUNDS} round(s) in {time.monotonic() - started:.0f} s; "
          f"faults injected: {', '.join(soak.injected)}")
    print("chaos soak: writes acknowledged {acked}, refused {refused}, unanswered {unknown}; "
          "lost {lost}, refused but stored {wrongly_kept}".format(**figures))
    assert figures["lost"] == 0 and figures["wrongly_kept"] == 0
