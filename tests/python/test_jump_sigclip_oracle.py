"""The committed stcal truth of jump's sigma-clipping cases (tests/golden/jump_sigclip.json, read by
tests/unit/steps/jump-sigma-clip.test.ts) is what stcal 1.20.0 produces now, byte for byte."""

import pathlib
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parent.parent.parent


def test_jump_sigclip_truth_is_reproduced_by_stcal():
    subprocess.run(
        [sys.executable, "tests/oracle/jump_sigclip_oracle.py", "--out", "tests/golden/jump_sigclip.json", "--check"],
        check=True, cwd=REPO,
    )
