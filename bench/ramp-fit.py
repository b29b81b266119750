#!/usr/bin/env python3
"""stcal's OLS_C (or LIKELY) ramp fitting on a synthetic ramp, single process: the Python side of bench/ramp-fit.mjs.

    .venv-oracle/bin/python bench/ramp-fit.py NINTS NGROUPS ROWS COLS [--algorithm OLS_C|LIKELY] [--repeat N | --serve]

Prints one JSON line: wall and CPU seconds in ``ramp_fit`` (best of ``--repeat``; CPU time is
robust to other load on the machine), peak RSS of this process (MB), versions. With
``--serve`` it prints ``{"ready": true}`` once the ramp is made, then fits once for every
``run`` line read from stdin (one JSON line each), and on ``quit`` prints the summary line:
the parent alternates these calls with ours, so that both meet the same load. The ramp is the
one bench/ramp-fit.mjs makes, byte for byte (rates 0-300 DN/s, +-5 DN uniform noise, 2% of
groups JUMP_DET, gain 2, readnoise 10; see ``uniform``).
"""

import argparse
import json
import sys
import time

import numpy as np
import stcal
from stcal.ramp_fitting import ramp_fit
from stdatamodels.jwst import datamodels
from stdatamodels.jwst.datamodels import dqflags

from peak_rss import peak_rss_mb


def uniform(keys):
    """Uniform in [0, 1) from uint32 keys: Wellons' lowbias32 hash, as ``uniform`` in bench/ramp-fit.mjs."""
    x = keys.copy()
    x ^= x >> np.uint32(16)
    x *= np.uint32(0x7FEB352D)
    x ^= x >> np.uint32(15)
    x *= np.uint32(0x846CA68B)
    x ^= x >> np.uint32(16)
    return x.astype(np.float64) / 2.0**32


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("shape", nargs=4, type=int, metavar=("NINTS", "NGROUPS", "ROWS", "COLS"))
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--algorithm", choices=["OLS_C", "LIKELY"], default="OLS_C")
    ap.add_argument("--serve", action="store_true")
    args = ap.parse_args()
    nints, ngroups, rows, cols = args.shape

    plane = rows * cols
    if 4 * nints * ngroups * plane > 2**32:
        raise SystemExit(f"ramp of {nints * ngroups * plane} samples: more than 32-bit keys")
    tgroup = 10.737
    keys = 4 * np.arange(plane, dtype=np.uint32)
    rate = (300.0 * uniform(keys)).astype(np.float32).reshape(rows, cols)
    data = np.empty((nints, ngroups, rows, cols), np.float32)
    groupdq = np.zeros(data.shape, np.uint8)
    for i in range(nints):
        for g in range(ngroups):
            base = np.uint32(4 * (i * ngroups + g) * plane)
            noise = uniform(base + keys + np.uint32(1)).reshape(rows, cols)
            # float64 throughout, rounded once, as the JavaScript side does.
            data[i, g] = 100.0 + rate.astype(np.float64) * (tgroup * g) + 10.0 * (noise - 0.5)
            groupdq[i, g][uniform(base + keys + np.uint32(2)).reshape(rows, cols) < 0.02] = dqflags.group["JUMP_DET"]
    gain = np.full((rows, cols), 2.0, np.float32)
    readnoise = np.full((rows, cols), 10.0, np.float32)

    def fit_once():
        model = datamodels.RampModel(data=data, groupdq=groupdq.copy(), pixeldq=np.zeros((rows, cols), np.uint32))
        model.meta.instrument.name = "NIRCAM"
        model.meta.exposure.frame_time = tgroup
        model.meta.exposure.group_time = tgroup
        model.meta.exposure.groupgap = 0
        model.meta.exposure.nframes = 1
        t, c = time.perf_counter(), time.process_time()
        ramp_fit.ramp_fit(model, False, readnoise.copy(), gain.copy(), args.algorithm, "optimal", "none", dqflags.pixel, True)
        return time.perf_counter() - t, time.process_time() - c

    def calls():
        """One item per fit asked for: `--repeat` of them, or one per `run` line when serving."""
        if not args.serve:
            yield from range(args.repeat)
            return
        print(json.dumps({"ready": True}), flush=True)
        for line in sys.stdin:
            if line.strip() != "run":
                return
            yield

    best = best_cpu = None
    for _ in calls():
        dt, dc = fit_once()
        best = dt if best is None else min(best, dt)
        best_cpu = dc if best_cpu is None else min(best_cpu, dc)
        if args.serve:
            print(json.dumps({"seconds": round(dt, 3), "cpu_seconds": round(dc, 3)}), flush=True)
    peak_mb = peak_rss_mb()
    print(json.dumps({"impl": "stcal", "algorithm": args.algorithm, "stcal": stcal.__version__, "numpy": np.__version__,
                      "shape": [nints, ngroups, rows, cols], "seconds": round(best, 3), "cpu_seconds": round(best_cpu, 3), "peak_rss_mb": round(peak_mb)}))


if __name__ == "__main__":
    main()
