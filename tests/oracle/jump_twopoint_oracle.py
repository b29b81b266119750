#!/usr/bin/env python3
"""Regenerate the stcal truth of the random two-point jump cases in tests/unit/steps/jump.test.ts.

That test builds random ramps with a seeded mulberry32 generator (``stcalOracleTile``), runs
our jump step on them and compares SHA-256 prefixes of GROUPDQ and PIXELDQ, and the primary CR
count, with the ``stcalOracle`` table. This script rebuilds the same float32/uint8 arrays
bit for bit (mulberry32 and the tile recipe are ported below), runs stcal's
``detect_jumps_data`` on them the way jwst's JumpStep sets it up (one slice, JWST
``dt_group``/``n_reads_groupdiff``, group time 1 s so an after-jump time is a group count), and
prints the table. Usage (from the repository root)::

    .venv/bin/python tests/oracle/jump_twopoint_oracle.py            # print the table
    .venv/bin/python tests/oracle/jump_twopoint_oracle.py --check    # compare with the test file
"""

import argparse
import hashlib
import math
import re
import sys
from pathlib import Path

import numpy as np

from stcal.jump.jump import detect_jumps_data
from stcal.jump.jump_class import JumpData
from stdatamodels.jwst.datamodels import dqflags

DNU = dqflags.pixel["DO_NOT_USE"]
SAT = dqflags.pixel["SATURATED"]
JUMP = dqflags.pixel["JUMP_DET"]
TEST_FILE = Path(__file__).resolve().parents[1] / "unit" / "steps" / "jump.test.ts"

# (seed, shape (nints, ngroups, rows, cols), nframes, flag_4_neighbors, [dn1, time1, dn2, time2])
CASES = [
    (11, (1, 5, 40, 37), 1, True, (0, 0, 0, 0)),
    (12, (3, 4, 31, 29), 4, True, (0, 0, 0, 0)),
    (13, (1, 12, 33, 30), 1, True, (100, 2, 1000, 5)),
    (14, (2, 8, 30, 30), 2, True, (50, 1, 0, 0)),
    (15, (1, 3, 50, 50), 1, True, (0, 0, 0, 0)),
    (16, (1, 20, 25, 25), 1, False, (30, 3, 300, 30)),
    (17, (4, 6, 30, 30), 1, True, (0, 0, 0, 0)),
]

M32 = 0xFFFFFFFF


def imul(a, b):
    """Math.imul on unsigned 32-bit values, result as unsigned 32-bit."""
    return (a * b) & M32


def mulberry32(seed):
    """tests/helpers/random.ts: the same sequence of doubles in [0, 1)."""
    state = seed & M32

    def next_value():
        nonlocal state
        state = (state + 0x6D2B79F5) & M32
        t = imul(state ^ (state >> 15), state | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & M32
        return ((t ^ (t >> 14)) & M32) / 2**32

    return next_value


def js_round(x):
    """Math.round: halves round towards +infinity."""
    r = math.floor(x)
    return r + 1 if x - r >= 0.5 else r


def oracle_tile(seed, shape):
    """``stcalOracleTile`` of jump.test.ts, draw for draw (doubles stored as float32)."""
    nints, ngroups, rows, cols = shape
    rand = mulberry32(seed)
    plane = rows * cols

    def gain_value():
        if rand() < 0.02:
            return math.nan
        return 0.0 if rand() < 0.01 else 1.5 + rand()

    gain = np.array([gain_value() for _ in range(plane)], np.float32)
    readnoise = np.array([5 + 10 * rand() for _ in range(plane)], np.float32)
    data = np.zeros(nints * ngroups * plane, np.float32)
    groupdq = np.zeros(data.size, np.uint8)
    for integ in range(nints):
        for p in range(plane):
            rate = 50 * rand()
            level = 1000 * rand()
            for g in range(ngroups):
                i = (integ * ngroups + g) * plane + p
                if g > 0 and rand() < 0.06:
                    level += 3000 * rand() ** 2
                level += 4 * js_round((rate + 8 * (rand() - 0.5)) / 4)
                data[i] = math.nan if rand() < 0.01 else level
                r = rand()
                groupdq[i] = (
                    SAT if r < 0.03 else DNU if r < 0.05 else JUMP if r < 0.06 else JUMP | DNU if r < 0.065 else 0
                )
    return data.reshape(shape), groupdq.reshape(shape), gain.reshape(rows, cols), readnoise.reshape(rows, cols)


def run_case(seed, shape, nframes, flag4, after):
    data, groupdq, gain, readnoise = oracle_tile(seed, shape)
    jd = JumpData(gain2d=gain, rnoise2d=readnoise, dqflags=dqflags.pixel)
    jd.init_arrays_from_arrays(data, groupdq, np.zeros(shape[2:], np.uint32))
    jd.nframes = nframes
    jd.dt_group = np.ones(1)
    jd.n_reads_groupdiff = np.ones(1) * 2 * nframes
    jd.set_detection_settings(4.0, 6.0, 5.0, 1000, 10, flag4)
    group_time = 1.0
    dn1, time1, dn2, time2 = after
    jd.set_after_jump(dn1, int(time1 // group_time), dn2, int(time2 // group_time))
    jd.max_cores = "1"
    gdq, pdq, crs, _ = detect_jumps_data(jd)

    def sha(a):
        return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()[:16]

    return {"groupdq": sha(gdq.astype(np.uint8)), "pixeldq": sha(pdq.astype(np.uint32)), "crs": int(crs)}


def table_line(case, result):
    seed, shape, nframes, flag4, after = case
    return (
        f"  {{ seed: {seed}, shape: [{', '.join(map(str, shape))}], nframes: {nframes}, "
        f"flag4: {'true' if flag4 else 'false'}, after: [{', '.join(map(str, after))}], "
        f"groupdq: '{result['groupdq']}', pixeldq: '{result['pixeldq']}', crs: {result['crs']} }},"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the table in jump.test.ts")
    args = parser.parse_args()
    lines = [table_line(case, run_case(*case)) for case in CASES]
    if not args.check:
        print("\n".join(lines))
        return 0
    stored = [line for line in TEST_FILE.read_text().splitlines() if re.match(r"\s*\{ seed: \d+, shape:", line)]
    if [s.strip() for s in stored] != [line.strip() for line in lines]:
        print("stcal disagrees with the stored table:", file=sys.stderr)
        for a, b in zip(stored, lines):
            if a.strip() != b.strip():
                print(f"  stored: {a.strip()}\n  stcal:  {b.strip()}", file=sys.stderr)
        return 1
    print(f"{len(lines)} cases: stcal reproduces the stored hashes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
