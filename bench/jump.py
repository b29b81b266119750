#!/usr/bin/env python3
"""stcal's jump detection, single process, with jwst's JumpStep defaults: the Python side of bench/jump.mjs.

    .venv/bin/python bench/jump.py NINTS NGROUPS ROWS COLS --dir target/bench-jump [--showers] [--snowballs]

Reads the ramp bench/jump.mjs wrote (``<shape>.data.f32``, ``<shape>.groupdq.u8``; gain 2,
readnoise 10, nframes 1, TGROUP 10.737 s), runs ``detect_jumps_data`` (best of ``--repeat``;
the timing covers that call only), writes ``stcal.groupdq.u8`` and ``stcal.pixeldq.u32`` next to
the input for the byte comparison, and prints one JSON line: wall and CPU seconds, peak RSS of
this process (MB), versions.
"""

import argparse
import json
import os
import time

import numpy as np
import stcal
from stcal.jump.jump import detect_jumps_data
from stcal.jump.jump_class import JumpData
from stdatamodels.jwst.datamodels import dqflags

from peak_rss import peak_rss_mb

TGROUP = 10.737


def jump_data(data, groupdq, gain, readnoise, showers=False, snowballs=False):
    """JumpData as jwst's JumpStep 3.0.0 fills it with its default parameters (one process),
    `find_showers` and `expand_large_events` as asked."""
    jd = JumpData(gain2d=gain, rnoise2d=readnoise, dqflags=dqflags.pixel)
    jd.init_arrays_from_arrays(data, groupdq, np.zeros(data.shape[2:], np.uint32))
    jd.nframes = 1
    jd.dt_group = np.ones(1)
    jd.n_reads_groupdiff = np.ones(1) * 2 * jd.nframes
    jd.set_detection_settings(4.0, 6.0, 5.0, 1000, 10, True)
    jd.set_after_jump(0.0, 0, 0.0, 0)
    jd.set_snowball_info(snowballs, 5.0, 1.0, 2.0, True, 2.5, 2 * 2, 25)
    jd.set_shower_info(showers, 1.2, 90, 1, 2.6, 1.1, 10, 2 * 200)
    jd.set_sigma_clipping_info(3, 100, True)
    jd.max_cores = "1"
    jd.grps_masked_after_shower = int(15 // TGROUP)
    jd.mask_persist_grps_next_int = True
    jd.persist_grps_flagged = int(4000 // TGROUP)
    jd.max_shower_amplitude = jd.max_shower_amplitude * TGROUP
    return jd


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("shape", nargs=4, type=int, metavar=("NINTS", "NGROUPS", "ROWS", "COLS"))
    ap.add_argument("--dir", required=True)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--showers", action="store_true", help="find_showers on")
    ap.add_argument("--snowballs", action="store_true", help="expand_large_events on, on the ramp with snowballs (<shape>-snowballs.*)")
    args = ap.parse_args()
    shape = tuple(args.shape)
    stem = os.path.join(args.dir, "x".join(map(str, shape)) + ("-snowballs" if args.snowballs else ""))
    data = np.fromfile(stem + ".data.f32", np.float32).reshape(shape)
    groupdq = np.fromfile(stem + ".groupdq.u8", np.uint8).reshape(shape)
    gain = np.full(shape[2:], 2.0, np.float32)
    readnoise = np.full(shape[2:], 10.0, np.float32)

    best = best_cpu = None
    for _ in range(args.repeat):
        jd = jump_data(data, groupdq.copy(), gain, readnoise, args.showers, args.snowballs)
        t, c = time.perf_counter(), time.process_time()
        gdq, pdq, _, _ = detect_jumps_data(jd)
        dt, dc = time.perf_counter() - t, time.process_time() - c
        best = dt if best is None else min(best, dt)
        best_cpu = dc if best_cpu is None else min(best_cpu, dc)
    gdq.astype(np.uint8).tofile(os.path.join(args.dir, "stcal.groupdq.u8"))
    pdq.astype("<u4").tofile(os.path.join(args.dir, "stcal.pixeldq.u32"))
    peak_mb = peak_rss_mb()
    print(json.dumps({"impl": "stcal", "stcal": stcal.__version__, "numpy": np.__version__, "shape": list(shape),
                      "seconds": round(best, 3), "cpu_seconds": round(best_cpu, 3), "peak_rss_mb": round(peak_mb)}))


if __name__ == "__main__":
    main()
