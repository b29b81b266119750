"""The committed stcal truth of the jump tests comes out of stcal again: the two-point hashes
stored in tests/unit/steps/jump.test.ts (tests/oracle/jump_twopoint_oracle.py) and the
snowball/shower cases in tests/golden/jump_large_events (tests/oracle/jump_large_events_oracle.py)."""

import pathlib
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).parent.parent.parent


@pytest.mark.parametrize(
    "args",
    [
        ["tests/oracle/jump_twopoint_oracle.py", "--check"],
        ["tests/oracle/jump_large_events_oracle.py", "--scale", "small", "--out", "tests/golden/jump_large_events", "--check"],
    ],
    ids=["two-point hashes", "large events"],
)
def test_stcal_reproduces_the_committed_truth(args):
    result = subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
