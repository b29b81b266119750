#!/usr/bin/env python3
"""stcal's jump detection in its sigma-clipping mode (many integrations) on synthetic ramps.

The vitest test ``tests/unit/steps/jump-sigma-clip.test.ts`` regenerates the same inputs with
the same generator (mulberry32, integer and IEEE float64 arithmetic only, so both languages
get the same float32 values) and compares our step's GROUPDQ and PIXELDQ with the SHA-256
prefixes written here, and the primary CR count. Usage (from the repository root)::

    .venv/bin/python tests/oracle/jump_sigclip_oracle.py --out tests/golden/jump_sigclip.json
    .venv/bin/python tests/oracle/jump_sigclip_oracle.py --out tests/golden/jump_sigclip.json --check

``--check`` reruns stcal and fails unless it reproduces the committed file byte for byte
(tests/python/test_jump_sigclip_oracle.py does that in ``make test``).

What runs is jwst 3.0.0's JumpStep path minus reference-file I/O: ``JumpData`` filled as
``JumpStep._setup_jump_data`` fills it (jwst defaults unless the case says otherwise, one
process), then ``stcal.jump.jump.detect_jumps_data``.
"""

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

import stcal
from stcal.jump.jump import detect_jumps_data
from stcal.jump.jump_class import JumpData
from stdatamodels.jwst.datamodels import dqflags

DNU = dqflags.group["DO_NOT_USE"]
SAT = dqflags.group["SATURATED"]
JUMP = dqflags.group["JUMP_DET"]
GROUP_TIME = 1.0

# shape = (nints, ngroups, rows, cols); after = (dn1, time1, dn2, time2) in DN and seconds;
# reset_plane = (int, group) made all JUMP|DO_NOT_USE, so stcal's plane reset has work to do.
CASES = [
    {"name": "ints-110x5", "seed": 21, "shape": [110, 5, 9, 11], "only_use_ints": True,
     "nframes": 1, "flag_4_neighbors": True, "after": [0, 0, 0, 0], "reset_plane": None},
    {"name": "all-diffs-110x5", "seed": 22, "shape": [110, 5, 8, 12], "only_use_ints": False,
     "nframes": 1, "flag_4_neighbors": True, "after": [0, 0, 0, 0], "reset_plane": None},
    {"name": "all-diffs-30x5-after-jump", "seed": 23, "shape": [30, 5, 10, 7], "only_use_ints": False,
     "nframes": 2, "flag_4_neighbors": True, "after": [100, 2, 1000, 3], "reset_plane": None},
    {"name": "ints-100x3-plane-reset", "seed": 24, "shape": [100, 3, 7, 9], "only_use_ints": True,
     "nframes": 1, "flag_4_neighbors": False, "after": [0, 0, 0, 0], "reset_plane": [5, 2]},
]


def mulberry32(seed):
    """tests/helpers/random.ts in Python: uniforms in [0, 1) from 32-bit integer arithmetic."""
    state = seed & 0xFFFFFFFF

    def imul(a, b):
        return (a * b) & 0xFFFFFFFF

    def rand():
        nonlocal state
        state = (state + 0x6D2B79F5) & 0xFFFFFFFF
        t = imul(state ^ (state >> 15), state | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 2**32

    return rand


def make_inputs(case):
    """Ramps with jumps of all sizes (2% of groups), NaN data, NaN gains, SAT and DNU groups and
    JUMP already set; rates fixed per pixel so the integrations agree. Same order of draws as
    the TypeScript test."""
    nints, ngroups, rows, cols = case["shape"]
    rand = mulberry32(case["seed"])
    plane = rows * cols
    gain = np.array([np.nan if rand() < 0.02 else 1.5 + rand() for _ in range(plane)], np.float32)
    readnoise = np.array([5 + 10 * rand() for _ in range(plane)], np.float32)
    rate = [50 * rand() for _ in range(plane)]
    data = np.zeros(nints * ngroups * plane, np.float32)
    groupdq = np.zeros(data.size, np.uint8)
    for i in range(nints):
        for p in range(plane):
            level = 1000 * rand()
            for g in range(ngroups):
                k = (i * ngroups + g) * plane + p
                if g > 0 and rand() < 0.02:
                    u = rand()
                    level += 3000 * u * u
                level += 4 * np.floor((rate[p] + 8 * (rand() - 0.5)) / 4)
                data[k] = np.nan if rand() < 0.003 else level
                r = rand()
                groupdq[k] = SAT if r < 0.01 else DNU if r < 0.02 else JUMP if r < 0.025 else 0
    if case["reset_plane"] is not None:
        i, g = case["reset_plane"]
        start = (i * ngroups + g) * plane
        groupdq[start:start + plane] = [JUMP if p % 3 == 0 else DNU for p in range(plane)]
    shape = (nints, ngroups, rows, cols)
    return data.reshape(shape), groupdq.reshape(shape), gain.reshape(shape[2:]), readnoise.reshape(shape[2:])


def run_stcal(case):
    data, groupdq, gain, readnoise = make_inputs(case)
    jd = JumpData(gain2d=gain, rnoise2d=readnoise, dqflags=dqflags.pixel)
    jd.init_arrays_from_arrays(data, groupdq, np.zeros(data.shape[2:], np.uint32))
    jd.nframes = case["nframes"]
    jd.dt_group = np.ones(1)
    jd.n_reads_groupdiff = np.ones(1) * 2 * jd.nframes
    jd.set_detection_settings(4.0, 6.0, 5.0, 1000, 10, case["flag_4_neighbors"])
    dn1, time1, dn2, time2 = case["after"]
    jd.set_after_jump(dn1, int(time1 // GROUP_TIME), dn2, int(time2 // GROUP_TIME))
    jd.set_snowball_info(False, 5.0, 1.0, 2.0, True, 2.5, 2 * 2, 25)
    jd.set_shower_info(False, 1.2, 90, 1, 2.6, 1.1, 10, 2 * 200)
    jd.set_sigma_clipping_info(3, 100, case["only_use_ints"])
    jd.max_cores = "1"
    jd.grps_masked_after_shower = int(15 // GROUP_TIME)
    jd.mask_persist_grps_next_int = True
    jd.persist_grps_flagged = int(4000 // GROUP_TIME)
    jd.max_shower_amplitude = jd.max_shower_amplitude * GROUP_TIME
    gdq, pdq, crs, _ = detect_jumps_data(jd)
    sha = lambda a: hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()[:16]  # noqa: E731
    return {**case, "groupdq": sha(gdq.astype(np.uint8)), "pixeldq": sha(pdq.astype("<u4")),
            "primary_crs": int(crs), "jump_groups": int(np.count_nonzero(gdq & JUMP))}


def expected_text():
    results = [run_stcal(case) for case in CASES]
    document = {"generator": "tests/oracle/jump_sigclip_oracle.py", "stcal": stcal.__version__,
                "numpy": np.__version__, "group_time": GROUP_TIME, "cases": results}
    return json.dumps(document, indent=1) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--check", action="store_true", help="fail unless --out is reproduced byte for byte")
    args = ap.parse_args()
    text = expected_text()
    if args.check:
        if not args.out.exists() or args.out.read_text() != text:
            sys.exit(f"{args.out} is not what stcal produces now; rerun without --check and commit")
        print(f"{args.out}: reproduced")
        return
    args.out.write_text(text)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
