#!/usr/bin/env python3
"""Run stcal's ramp fitting (OLS_C or LIKELY) on deterministic synthetic exposures and write inputs + outputs.

The vitest test ``tests/unit/steps/ramp-fit.oracle.test.ts`` feeds the same inputs to our
kernel and compares. Usage (from the repository root)::

    python3 -m venv .venv-oracle && .venv-oracle/bin/pip install jwst==3.0.0
    .venv-oracle/bin/python tests/oracle/ramp_fit_oracle.py --scale small --out tests/golden/ramp_fit
    .venv-oracle/bin/python tests/oracle/ramp_fit_oracle.py --scale large --out tests/oracle/out/ramp_fit
    .venv-oracle/bin/python tests/oracle/ramp_fit_oracle.py --algorithm LIKELY --scale small --out tests/golden/ramp_fit_likely

``small`` is committed (tests/golden/ramp_fit, a few hundred KB); ``large`` (more pixels per
case) is only written locally. Every case is a directory of ``.npy`` files plus
``params.json``; ``manifest.json`` records versions, seeds and SHA-256 of every file, so a rerun
can be checked byte for byte (``--check``).

What runs is exactly jwst 3.0.0's RampFitStep path minus reference-file I/O: jwst's
``set_groupdq`` for firstgroup/lastgroup, then ``stcal.ramp_fitting.ramp_fit.ramp_fit`` with
algorithm OLS_C (or LIKELY with ``--algorithm LIKELY``: its own cases, its rate-level
``chisq`` saved as ``rate_chisq.npy``), weighting 'optimal', ``max_cores='none'`` (single
process) and ``dqflags.pixel``.
"""

import argparse
import hashlib
import json
import shutil
import sys
from pathlib import Path

import numpy as np

import jwst
import stcal
import stdatamodels
from jwst.ramp_fitting.ramp_fit_step import set_groupdq
from stcal.ramp_fitting import ramp_fit
from stdatamodels.jwst import datamodels
from stdatamodels.jwst.datamodels import dqflags

DNU = dqflags.group["DO_NOT_USE"]
SAT = dqflags.group["SATURATED"]
JUMP = dqflags.group["JUMP_DET"]
PERS = dqflags.group["PERSISTENCE"]
CL = dqflags.group["CHARGELOSS"]

SCALES = {"small": (8, 8), "large": (40, 48)}
BASE_SEED = 20260101
LIKELY_BASE_SEED = 20260201


class Exposure:
    """A synthetic exposure: ramps with noise, flags, references and parameters."""

    def __init__(self, rng, nints, ngroups, ny, nx, *, tframe=10.6, nframes=1, groupgap=0):
        self.rng = rng
        self.shape = (nints, ngroups, ny, nx)
        self.nframes = nframes
        self.groupgap = groupgap
        self.frame_time = tframe
        self.group_time = tframe * (nframes + groupgap)
        self.gain = rng.uniform(1.5, 3.0, (ny, nx)).astype(np.float32)
        self.readnoise = rng.uniform(6.0, 14.0, (ny, nx)).astype(np.float32)
        self.pixeldq = np.zeros((ny, nx), np.uint32)
        self.groupdq = np.zeros(self.shape, np.uint8)
        self.zeroframe = None
        self.dark = None
        self.params = {
            "frame_time": self.frame_time,
            "group_time": self.group_time,
            "nframes": nframes,
            "groupgap": groupgap,
            "drop_frames1": None,
            "instrument": "NIRCAM",
            "suppress_one_group": True,
            "save_opt": False,
            "firstgroup": None,
            "lastgroup": None,
        }
        # Rates from -5 to 300 DN/s with read and Poisson noise (DN).
        rate = rng.uniform(-5.0, 300.0, (ny, nx))
        t = self.group_time * np.arange(ngroups)
        bias = rng.uniform(50.0, 500.0, (nints, 1, ny, nx))
        signal = rate[None, None] * t[None, :, None, None]
        noise = rng.normal(0.0, 1.0, self.shape) * np.sqrt(self.readnoise**2 / 2 + np.abs(signal) / self.gain)
        self.data = (bias + signal + noise).astype(np.float32)

    def add_jumps(self, fraction, max_jumps=3, flag=True):
        """Cosmic-ray steps in a fraction of ramps; ``flag=False`` leaves them for LIKELY to find."""
        nints, ngroups, ny, nx = self.shape
        for i in range(nints):
            for y in range(ny):
                for x in range(nx):
                    if self.rng.random() < fraction:
                        for g in self.rng.integers(1, ngroups, self.rng.integers(1, max_jumps + 1)):
                            self.data[i, g:, y, x] += np.float32(self.rng.uniform(300.0, 5000.0))
                            if flag:
                                self.groupdq[i, g, y, x] |= JUMP

    def saturate_from(self, fraction, first=0):
        """Saturate a fraction of ramps from a random group on (first..ngroups-1)."""
        nints, ngroups, ny, nx = self.shape
        for i in range(nints):
            for y in range(ny):
                for x in range(nx):
                    if self.rng.random() < fraction:
                        g = self.rng.integers(first, ngroups)
                        self.groupdq[i, g:, y, x] |= SAT
                        self.data[i, g:, y, x] = np.float32(65000.0)

    def flag_random(self, flag, probability):
        hit = self.rng.random(self.shape) < probability
        self.groupdq[hit] |= flag


def write_case(out, name, exp, seed, algorithm="OLS_C"):
    """Run stcal on the exposure and write inputs, parameters and outputs."""
    d = out / name
    d.mkdir(parents=True)
    np.save(d / "data.npy", exp.data)
    np.save(d / "groupdq.npy", exp.groupdq)
    np.save(d / "pixeldq.npy", exp.pixeldq)
    np.save(d / "gain.npy", exp.gain)
    np.save(d / "readnoise.npy", exp.readnoise)
    if exp.zeroframe is not None:
        np.save(d / "zeroframe.npy", exp.zeroframe)
    if exp.dark is not None:
        np.save(d / "average_dark_current.npy", exp.dark)

    model = datamodels.RampModel(data=exp.data.copy(), groupdq=exp.groupdq.copy(), pixeldq=exp.pixeldq.copy())
    if exp.zeroframe is not None:
        model.zeroframe = exp.zeroframe.copy()
    if exp.dark is not None:
        model.average_dark_current = exp.dark.copy()
    p = exp.params
    model.meta.instrument.name = p["instrument"]
    model.meta.exposure.frame_time = p["frame_time"]
    model.meta.exposure.group_time = p["group_time"]
    model.meta.exposure.groupgap = p["groupgap"]
    model.meta.exposure.nframes = p["nframes"]
    model.meta.exposure.ngroups = exp.shape[1]
    model.meta.exposure.nints = exp.shape[0]
    if p["drop_frames1"] is not None:
        model.meta.exposure.drop_frames1 = p["drop_frames1"]

    # jwst RampFitStep.process: group selection before ramp_fit.
    if p["firstgroup"] is not None or p["lastgroup"] is not None:
        set_groupdq(p["firstgroup"], p["lastgroup"], exp.shape[1], model.groupdq, dqflags.group)

    image, integ, opt = ramp_fit.ramp_fit(
        model,
        p["save_opt"],
        exp.readnoise.copy(),
        exp.gain.copy(),
        algorithm,
        "optimal",
        "none",
        dqflags.pixel,
        suppress_one_group=p["suppress_one_group"],
    )
    params = dict(p, seed=seed, shape=list(exp.shape), no_products=image is None)
    if algorithm != "OLS_C":
        params["algorithm"] = algorithm
    (d / "params.json").write_text(json.dumps(params, indent=1, sort_keys=True) + "\n")
    if image is None:
        return
    for prefix, info in (("rate", image), ("rateints", integ)):
        for key in ("slope", "dq", "var_poisson", "var_rnoise", "err"):
            np.save(d / f"{prefix}_{key}.npy", info[key])
    if "chisq" in image:
        np.save(d / "rate_chisq.npy", image["chisq"])
    if opt is not None:
        for key in ("slope", "sigslope", "var_poisson", "var_rnoise", "yint", "sigyint", "weights", "pedestal", "crmag"):
            np.save(d / f"fitopt_{key}.npy", np.asarray(opt[key], np.float32))


def build_cases(scale):
    ny, nx = SCALES[scale]
    cases = []

    def case(name, builder):
        cases.append((name, builder))

    def clean(rng):
        return Exposure(rng, 1, 10, ny, nx)

    def jumps(rng):
        e = Exposure(rng, 1, 12, ny, nx)
        e.add_jumps(0.6)
        return e

    def saturation(rng):
        e = Exposure(rng, 1, 10, ny, nx)
        e.saturate_from(0.7, first=0)
        return e

    def fully_saturated(rng):
        e = Exposure(rng, 1, 6, ny, nx)
        full = rng.random((ny, nx)) < 0.5
        e.groupdq[:, :, full] |= SAT
        return e

    def one_good_group(rng, suppress):
        e = Exposure(rng, 2, 5, ny, nx)
        pick = rng.random((2, ny, nx))
        for i in range(2):
            e.groupdq[i, 1:, pick[i] < 0.4] |= SAT  # only group 0 good
            mid = (pick[i] >= 0.4) & (pick[i] < 0.6)  # only group 2 good
            e.groupdq[i, :2, mid] |= DNU
            e.groupdq[i, 3:, mid] |= SAT
        e.params["suppress_one_group"] = suppress
        return e

    def long_ramps(rng, nints, ngroups):
        # Medians of more than 24 differences (the window around their mean, the selection); with
        # more than 256 samples a pixel, the copy through bands of 64 pixels.
        e = Exposure(rng, nints, ngroups, ny, nx)
        e.add_jumps(0.5, 3)
        e.saturate_from(0.2, first=1)
        e.flag_random(DNU, 0.03)
        return e

    def multi_int(rng):
        e = Exposure(rng, 4, 7, ny, nx)
        e.add_jumps(0.3, 2)
        e.saturate_from(0.25, first=1)
        return e

    def do_not_use(rng):
        e = Exposure(rng, 1, 10, ny, nx)
        e.flag_random(DNU, 0.15)
        return e

    def bad_gain_readnoise(rng):
        e = Exposure(rng, 1, 6, ny, nx)
        flat_g = e.gain.reshape(-1)
        flat_r = e.readnoise.reshape(-1)
        idx = rng.permutation(flat_g.size)
        flat_g[idx[0::8]] = np.nan
        flat_g[idx[1::8]] = 0.0
        flat_g[idx[2::16]] = -1.0
        flat_r[idx[3::8]] = 0.0
        flat_r[idx[4::16]] = np.nan
        return e

    def zeroframe(rng, suppress):
        e = Exposure(rng, 2, 4, ny, nx)
        pick = rng.random((2, ny, nx))
        for i in range(2):
            e.groupdq[i, :, pick[i] < 0.4] |= SAT  # fully saturated
            e.groupdq[i, 1:, (pick[i] >= 0.4) & (pick[i] < 0.55)] |= SAT  # 0th group only
        e.zeroframe = rng.uniform(20.0, 400.0, (2, ny, nx)).astype(np.float32)
        e.zeroframe[rng.random((2, ny, nx)) < 0.25] = 0.0
        e.params["suppress_one_group"] = suppress
        return e

    def chargeloss(rng):
        e = Exposure(rng, 2, 8, ny, nx)
        e.add_jumps(0.2, 1)
        pick = rng.random((2, ny, nx))
        for i in range(2):
            for y in range(ny):
                for x in range(nx):
                    if pick[i, y, x] < 0.5:
                        g = rng.integers(1, 8)
                        e.groupdq[i, g:, y, x] |= CL | DNU
        return e

    def first_last(rng):
        e = Exposure(rng, 2, 10, ny, nx)
        e.add_jumps(0.2, 1)
        e.params.update(firstgroup=2, lastgroup=7)
        return e

    def nframes_groupgap(rng):
        e = Exposure(rng, 2, 6, ny, nx, tframe=2.77504, nframes=4, groupgap=2)
        e.add_jumps(0.2, 1)
        e.saturate_from(0.2, first=2)
        return e

    def save_opt(rng):
        e = Exposure(rng, 2, 9, ny, nx)
        e.add_jumps(0.5, 3)
        e.saturate_from(0.3, first=0)
        e.flag_random(DNU, 0.05)
        e.params.update(save_opt=True, drop_frames1=2)
        return e

    def miri_trim(rng):
        e = Exposure(rng, 2, 8, ny, nx, tframe=2.77504)
        e.params["instrument"] = "MIRI"
        e.add_jumps(0.3, 2)
        e.groupdq[:, 0] |= DNU
        e.groupdq[:, -1] |= DNU
        e.groupdq[:, 1, rng.random((ny, nx)) < 0.3] |= JUMP  # cleared by the trimming
        e.params["save_opt"] = True
        return e

    def one_group(rng):
        e = Exposure(rng, 2, 1, ny, nx)
        e.groupdq[0, 0, rng.random((ny, nx)) < 0.2] |= SAT
        return e

    def two_groups(rng):
        e = Exposure(rng, 1, 2, ny, nx)
        e.groupdq[0, 1, rng.random((ny, nx)) < 0.3] |= SAT
        return e

    def mixed(rng):
        e = Exposure(rng, 3, 9, ny, nx)
        e.add_jumps(0.4, 3)
        e.saturate_from(0.3, first=0)
        e.flag_random(DNU, 0.05)
        e.flag_random(PERS, 0.05)
        e.flag_random(CL | DNU, 0.03)
        e.pixeldq[rng.random((ny, nx)) < 0.1] = dqflags.pixel["HOT"]
        e.pixeldq[rng.random((ny, nx)) < 0.05] |= dqflags.pixel["DO_NOT_USE"]
        e.gain.reshape(-1)[rng.permutation(ny * nx)[:3]] = np.nan
        e.zeroframe = rng.uniform(0.0, 300.0, (3, ny, nx)).astype(np.float32)
        e.dark = rng.uniform(0.0, 0.3, (ny, nx)).astype(np.float32)
        e.params.update(suppress_one_group=False, save_opt=True, drop_frames1=1)
        return e

    def all_saturated(rng):
        e = Exposure(rng, 1, 4, ny, nx)
        e.groupdq[:, 0] |= SAT
        return e

    def miri_all_dnu(rng):
        e = Exposure(rng, 1, 4, ny, nx)
        e.params["instrument"] = "MIRI"
        e.groupdq |= DNU
        return e

    case("clean", clean)
    case("jumps", jumps)
    case("saturation", saturation)
    case("fully_saturated", fully_saturated)
    case("one_good_group_suppress_on", lambda r: one_good_group(r, True))
    case("one_good_group_suppress_off", lambda r: one_good_group(r, False))
    case("multi_int", multi_int)
    case("do_not_use", do_not_use)
    case("bad_gain_readnoise", bad_gain_readnoise)
    case("zeroframe_suppress_off", lambda r: zeroframe(r, False))
    case("zeroframe_suppress_on", lambda r: zeroframe(r, True))
    case("chargeloss", chargeloss)
    case("first_last_group", first_last)
    case("nframes_groupgap", nframes_groupgap)
    case("save_opt", save_opt)
    case("miri_trim", miri_trim)
    case("one_group", one_group)
    case("two_groups", two_groups)
    case("mixed", mixed)
    case("all_saturated", all_saturated)
    case("miri_all_dnu", miri_all_dnu)
    case("long_ramps", lambda r: long_ramps(r, 6, 45))
    case("longer_ramps", lambda r: long_ramps(r, 1, 80))
    return cases


def build_likely_cases(scale):
    """LIKELY (>= 4 groups, else stcal runs OLS_C): its own jump search, covariance and combination."""
    ny, nx = SCALES[scale]
    cases = []

    def case(name, builder):
        cases.append((name, builder))

    def clean(rng):
        return Exposure(rng, 1, 10, ny, nx)

    def jumps_flagged(rng):
        e = Exposure(rng, 1, 12, ny, nx)
        e.add_jumps(0.6)
        return e

    def jumps_unflagged(rng):
        e = Exposure(rng, 1, 12, ny, nx)
        e.add_jumps(0.6, flag=False)
        return e

    def long_ramp(rng):
        # > 20 differences: the determinant renormalisation runs every 10 steps.
        e = Exposure(rng, 1, 25, ny, nx, tframe=2.77504)
        e.add_jumps(0.5, 3, flag=False)
        return e

    def saturation(rng):
        e = Exposure(rng, 1, 10, ny, nx)
        e.saturate_from(0.7, first=0)
        return e

    def fully_saturated(rng):
        e = Exposure(rng, 1, 6, ny, nx)
        full = rng.random((ny, nx)) < 0.5
        e.groupdq[:, :, full] |= SAT
        return e

    def do_not_use(rng):
        e = Exposure(rng, 1, 10, ny, nx)
        e.flag_random(DNU, 0.15)
        e.add_jumps(0.3, 1, flag=False)
        return e

    def multi_int(rng):
        e = Exposure(rng, 4, 7, ny, nx)
        e.add_jumps(0.3, 2, flag=False)
        e.saturate_from(0.25, first=1)
        return e

    def bad_gain_readnoise(rng):
        e = Exposure(rng, 2, 6, ny, nx)
        flat_g = e.gain.reshape(-1)
        flat_r = e.readnoise.reshape(-1)
        idx = rng.permutation(flat_g.size)
        flat_g[idx[0::8]] = np.nan
        flat_g[idx[1::8]] = 0.0
        flat_g[idx[2::16]] = -1.0
        flat_r[idx[3::8]] = 0.0
        flat_r[idx[4::16]] = np.nan
        return e

    def nframes_groupgap(rng):
        # Several reads per group: two adjacent differences may be dropped together.
        e = Exposure(rng, 2, 6, ny, nx, tframe=2.77504, nframes=4, groupgap=2)
        e.add_jumps(0.4, 1, flag=False)
        e.saturate_from(0.2, first=2)
        return e

    def zeroframe(rng):
        # ZEROFRAME with 4 reads per group: the zero read becomes its own resultant.
        e = Exposure(rng, 2, 5, ny, nx, tframe=2.77504, nframes=4, groupgap=1)
        e.add_jumps(0.3, 1, flag=False)
        e.saturate_from(0.2, first=1)
        e.zeroframe = (e.data[:, 0] - rng.uniform(0.0, 30.0, (2, ny, nx))).astype(np.float32)
        e.zeroframe[rng.random((2, ny, nx)) < 0.1] = 0.0
        return e

    def first_last(rng):
        e = Exposure(rng, 2, 10, ny, nx)
        e.add_jumps(0.3, 1, flag=False)
        e.params.update(firstgroup=2, lastgroup=7)
        return e

    def three_groups(rng):
        # Below LIKELY_MIN_NGROUPS: stcal fits OLS_C instead (no chisq).
        e = Exposure(rng, 1, 3, ny, nx)
        e.saturate_from(0.2, first=1)
        return e

    def mixed(rng):
        e = Exposure(rng, 3, 9, ny, nx)
        e.add_jumps(0.4, 3, flag=False)
        e.add_jumps(0.1, 1)
        e.saturate_from(0.3, first=0)
        e.flag_random(DNU, 0.05)
        e.flag_random(PERS, 0.05)
        e.pixeldq[rng.random((ny, nx)) < 0.1] = dqflags.pixel["HOT"]
        e.pixeldq[rng.random((ny, nx)) < 0.05] |= dqflags.pixel["DO_NOT_USE"]
        e.gain.reshape(-1)[rng.permutation(ny * nx)[:3]] = np.nan
        e.zeroframe = rng.uniform(0.0, 300.0, (3, ny, nx)).astype(np.float32)  # 1 read per group: ignored
        e.dark = rng.uniform(0.0, 0.3, (ny, nx)).astype(np.float32)
        return e

    case("clean", clean)
    case("jumps_flagged", jumps_flagged)
    case("jumps_unflagged", jumps_unflagged)
    case("long_ramp", long_ramp)
    case("saturation", saturation)
    case("fully_saturated", fully_saturated)
    case("do_not_use", do_not_use)
    case("multi_int", multi_int)
    case("bad_gain_readnoise", bad_gain_readnoise)
    case("nframes_groupgap", nframes_groupgap)
    case("zeroframe", zeroframe)
    case("first_last_group", first_last)
    case("three_groups", three_groups)
    case("mixed", mixed)
    return cases


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--scale", choices=sorted(SCALES), default="small")
    ap.add_argument("--algorithm", choices=["OLS_C", "LIKELY"], default="OLS_C")
    ap.add_argument("--check", action="store_true", help="regenerate in a temp dir and compare hashes with --out")
    args = ap.parse_args()

    target = args.out
    out = target.with_name(target.name + ".check") if args.check else target
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)

    likely = args.algorithm == "LIKELY"
    cases = build_likely_cases(args.scale) if likely else build_cases(args.scale)
    base_seed = LIKELY_BASE_SEED if likely else BASE_SEED
    for k, (name, builder) in enumerate(cases):
        seed = base_seed + k
        write_case(out, name, builder(np.random.default_rng(seed)), seed, args.algorithm)

    files = sorted(p for p in out.rglob("*") if p.is_file())
    manifest = {
        "generator": "tests/oracle/ramp_fit_oracle.py",
        "scale": args.scale,
        "versions": {
            "python": sys.version.split()[0],
            "numpy": np.__version__,
            "stcal": stcal.__version__,
            "jwst": jwst.__version__,
            "stdatamodels": stdatamodels.__version__,
        },
        "algorithm": f"{args.algorithm}, weighting optimal, max_cores none (single process)",
        "base_seed": base_seed,
        "cases": {name: base_seed + k for k, (name, _) in enumerate(cases)},
        "sha256": {str(p.relative_to(out)): sha256(p) for p in files},
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")

    if args.check:
        old = json.loads((target / "manifest.json").read_text())["sha256"]
        new = manifest["sha256"]
        diff = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        shutil.rmtree(out)
        if diff:
            print("differs from", target, ":", *diff[:20], sep="\n  ")
            sys.exit(1)
        print(f"{target}: {len(new)} files reproduced byte for byte")
    else:
        size = sum(p.stat().st_size for p in files)
        print(f"wrote {len(cases)} cases, {len(files)} files, {size / 1024:.0f} KiB to {out}")


if __name__ == "__main__":
    main()
