#!/usr/bin/env python3
"""Run stcal's jump detection with snowballs and MIRI showers on synthetic exposures.

The vitest test ``tests/unit/steps/jump-large-events.oracle.test.ts`` feeds the same inputs to
our jump step and compares GROUPDQ, PIXELDQ and the CR/extended-event counts. Usage (from the
repository root)::

    .venv/bin/python tests/oracle/jump_large_events_oracle.py --scale small --out tests/golden/jump_large_events
    .venv/bin/python tests/oracle/jump_large_events_oracle.py --scale small --out tests/golden/jump_large_events --check
    .venv/bin/python tests/oracle/jump_large_events_oracle.py --scale large --out tests/oracle/out/jump_large_events

``small`` is committed; ``large`` (bigger frames, many more events) is written locally only.
Every case is a directory of ``.npy`` inputs and outputs plus ``params.json`` (the jwst
JumpStep options, group time, nframes, stcal's counts); ``manifest.json`` records versions and
SHA-256 of every file so ``--check`` can require a byte-for-byte rerun.

What runs is jwst 3.0.0's JumpStep minus reference-file I/O: ``JumpData`` set up the way
``JumpStep._setup_jump_data`` does it (``sat_expand`` and ``max_extended_radius`` doubled,
times floor-divided by the group time, ``max_shower_amplitude`` = stcal's default times the
group time), one slice, then ``stcal.jump.jump.detect_jumps_data``.

The scenes put snowballs of all sizes in the interior, across the row-band edges of typical
tilings (rows 16, 32, 48, ...), at the image edges (no saturated core needed there), with
cores that saturate one group late, elongated ones at several angles, jump clusters without a
core, a snowball whose core is carried into the next integration, and faint extended MIRI
showers (with reference-pixel columns, bright showers that the amplitude guard undoes, and
enough integrations for sigma-clipped noise statistics).
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
from stcal.jump.jump import detect_jumps_data
from stcal.jump.jump_class import JumpData
from stdatamodels.jwst.datamodels import dqflags

DNU = dqflags.pixel["DO_NOT_USE"]
SAT = dqflags.pixel["SATURATED"]
JUMP = dqflags.pixel["JUMP_DET"]
REF = dqflags.pixel["REFERENCE_PIXEL"]

BASE_SEED = 20261121
# Frame size per scale: (rows, cols) multipliers of the scene layouts below.
SCALES = {"small": 1, "large": 4}

JWST_DEFAULTS = {
    "rejection_threshold": 4.0,
    "three_group_rejection_threshold": 6.0,
    "four_group_rejection_threshold": 5.0,
    "max_jump_to_flag_neighbors": 1000.0,
    "min_jump_to_flag_neighbors": 10.0,
    "flag_4_neighbors": True,
    "after_jump_flag_dn1": 0.0,
    "after_jump_flag_time1": 0.0,
    "after_jump_flag_dn2": 0.0,
    "after_jump_flag_time2": 0.0,
    "expand_large_events": False,
    "min_sat_area": 1.0,
    "min_jump_area": 5.0,
    "expand_factor": 2.0,
    "sat_required_snowball": True,
    "min_sat_radius_extend": 2.5,
    "sat_expand": 2,
    "edge_size": 25,
    "mask_snowball_core_next_int": True,
    "snowball_time_masked_next_int": 4000,
    "find_showers": False,
    "extend_snr_threshold": 1.2,
    "extend_min_area": 90,
    "extend_inner_radius": 1.0,
    "extend_outer_radius": 2.6,
    "extend_ellipse_expand_ratio": 1.1,
    "time_masked_after_shower": 15.0,
    "min_diffs_single_pass": 10,
    "max_extended_radius": 200,
    "minimum_groups": 3,
    "minimum_sigclip_groups": 100,
    "only_use_ints": True,
}


class Exposure:
    """Ramps with read and shot noise, random cosmic rays, and the events a case adds."""

    def __init__(self, rng, nints, ngroups, rows, cols, *, group_time, nframes=1, gain=(1.8, 2.2), readnoise=(8.0, 12.0)):
        self.rng = rng
        self.shape = (nints, ngroups, rows, cols)
        self.group_time = group_time
        self.nframes = nframes
        self.gain = rng.uniform(*gain, (rows, cols)).astype(np.float32)
        self.readnoise = rng.uniform(*readnoise, (rows, cols)).astype(np.float32)
        self.pixeldq = np.zeros((rows, cols), np.uint32)
        self.groupdq = np.zeros(self.shape, np.uint8)
        rate = rng.uniform(5.0, 60.0, (rows, cols))  # DN/group
        g = np.arange(ngroups)[None, :, None, None]
        signal = rate[None, None] * g
        noise = rng.normal(0.0, 1.0, self.shape) * np.sqrt(self.readnoise**2 / 2 + signal / self.gain)
        self.data = (rng.uniform(100, 300, (nints, 1, rows, cols)) + signal + noise).astype(np.float64)
        self.rr, self.cc = np.mgrid[0:rows, 0:cols]

    def ellipse(self, row, col, a, b, angle_deg):
        """Pixels inside an ellipse with semi-axes a (along columns at angle 0) and b."""
        t = np.radians(angle_deg)
        dr, dc = self.rr - row, self.cc - col
        u = dc * np.cos(t) + dr * np.sin(t)
        v = -dc * np.sin(t) + dr * np.cos(t)
        return (u / a) ** 2 + (v / b) ** 2 <= 1

    def cosmic_rays(self, fraction):
        nints, ngroups, rows, cols = self.shape
        hit = self.rng.random(self.shape) < fraction
        hit[:, 0] = False
        for i, g, r, c in zip(*np.nonzero(hit)):
            self.data[i, g:, r, c] += self.rng.uniform(200, 3000)

    def snowball(self, intg, group, row, col, radius, *, core=0.0, core_late=False, aspect=1.0, angle=0.0, amplitude=4000.0):
        """A jump of `amplitude` DN over an ellipse from `group` on, with a saturated core."""
        area = self.ellipse(row, col, radius, radius / aspect, angle)
        self.data[intg, group:, area] += amplitude
        if core > 0:
            inner = self.ellipse(row, col, core, core / aspect, angle)
            first = group + 1 if core_late else group
            self.data[intg, first:, inner] = 65000.0
            self.groupdq[intg, first:, inner] |= SAT

    def shower(self, intg, group, row, col, radius, amplitude):
        """Faint extended emission: `amplitude` DN added over a disc from `group` on."""
        area = self.ellipse(row, col, radius, radius, 0.0)
        self.data[intg, group:, area] += amplitude

    def finish(self):
        self.data = self.data.astype(np.float32)
        return self


def nir_scene(rng, k, nints=2, ngroups=6):
    """Snowballs on a (48k x 40k) NIR frame."""
    rows, cols = 48 * k, 40 * k
    e = Exposure(rng, nints, ngroups, rows, cols, group_time=10.737)
    e.cosmic_rays(0.002)
    last = nints - 1
    for n in range(k * k):
        oy, ox = 48 * (n // k), 40 * (n % k)
        # Interior snowball across the band edge at row 16 of this block, core from its group.
        e.snowball(0, 2, oy + 16, ox + 20, 6.0, core=2.5)
        # Elongated, rotated, crossing the row-32 band edge; its core saturates one group late.
        e.snowball(0, 3, oy + 32, ox + 12, 7.0, core=2.0, core_late=True, aspect=1.8, angle=30.0 + 10 * n)
        # A jump cluster without a core in the interior (not a snowball unless near an edge).
        e.snowball(0, 4, oy + 30, ox + 30, 3.0)
        # At the image edge: no core needed within edge_size.
        e.snowball(last, 1, oy + 2, ox + 37, 5.0)
        # A big one in the last integration; with several integrations, the core of the one in
        # integration 0 persists into integration 1.
        e.snowball(last, 2, oy + 24, ox + 20, 10.0, core=4.0, aspect=1.2, angle=-40.0)
        if nints > 1:
            e.snowball(0, ngroups - 2, oy + 40, ox + 8, 8.0, core=3.5)
    return e.finish()


def miri_scene(rng, k, nints=1, ngroups=14, bright=False, more=()):
    """Faint showers on a (48k x 48k) MIRI frame with reference-pixel columns; `more` adds
    showers (integration, group, row, col, radius, amplitude) in every block."""
    rows = cols = 48 * k
    e = Exposure(rng, nints, ngroups, rows, cols, group_time=2.775, gain=(3.5, 4.0), readnoise=(5.0, 7.0))
    e.cosmic_rays(0.001)
    e.pixeldq[:, :4] = REF
    e.pixeldq[::7, cols - 4 :] = REF | DNU  # not exactly REFERENCE_PIXEL: stcal does not mask these
    e.pixeldq[1::7, cols - 4 :] = REF
    for n in range(k * k):
        oy, ox = 48 * (n // k), 48 * (n % k)
        # Faint (~1.5 sigma per difference) extended emission, one across a band edge.
        e.shower(n % nints, min(5 + n % 3, ngroups - 1), oy + 24, ox + 22, 11.0, 12.0 if not bright else 400.0)
        e.shower(n % nints, min(9, ngroups - 2), oy + 8, ox + 36, 7.0, 10.0)
        for intg, group, row, col, radius, amplitude in more:
            e.shower(intg, group, oy + row, ox + col, radius, amplitude)
    return e.finish()


def build_cases(scale):
    k = SCALES[scale]
    return [
        # On these small frames the default edge_size (25) makes every region "near an edge".
        ("nir_snowballs", lambda rng: nir_scene(rng, k), {"expand_large_events": True, "edge_size": 6 * k}),
        ("nir_snowballs_default_edge", lambda rng: nir_scene(rng, k, nints=1), {"expand_large_events": True}),
        (
            "nir_snowballs_three_ints",
            lambda rng: nir_scene(rng, k, nints=3, ngroups=5),
            {"expand_large_events": True, "snowball_time_masked_next_int": 40, "edge_size": 6 * k},
        ),
        (
            "nir_no_core_required",
            lambda rng: nir_scene(rng, k, nints=1, ngroups=7),
            {"expand_large_events": True, "sat_required_snowball": False, "expand_factor": 1.5, "min_jump_area": 8.0},
        ),
        (
            "nir_capped_small_edges",
            lambda rng: nir_scene(rng, k, nints=2, ngroups=6),
            {"expand_large_events": True, "max_extended_radius": 5, "edge_size": 4, "sat_expand": 3, "min_sat_radius_extend": 1.0, "min_sat_area": 3.0},
        ),
        ("miri_showers", lambda rng: miri_scene(rng, k), {"find_showers": True, "expand_large_events": True}),
        (
            "miri_showers_ints",
            lambda rng: miri_scene(rng, k, nints=3, ngroups=6),
            {"find_showers": True, "time_masked_after_shower": 8.0, "extend_ellipse_expand_ratio": 1.3},
        ),
        ("miri_bright_showers", lambda rng: miri_scene(rng, k, bright=True), {"find_showers": True, "extend_snr_threshold": 1.0}),
        # minimum_sigclip_groups integrations or more: shower noise from sigma_clipped_stats per
        # difference across integrations (the two-point pass clips across integrations too).
        (
            "miri_showers_sigclip",
            lambda rng: miri_scene(rng, k, nints=12, ngroups=6, more=[(3, 2, 30, 30, 9.0, 14.0), (7, 3, 14, 16, 8.0, 12.0), (11, 5, 34, 12, 10.0, 13.0)]),
            {"find_showers": True, "minimum_sigclip_groups": 10},
        ),
        # The same with the two-point pass clipping all groups together (only_use_ints off).
        (
            "miri_showers_sigclip_all_groups",
            lambda rng: miri_scene(rng, k, nints=10, ngroups=5, more=[(4, 1, 26, 28, 10.0, 14.0), (9, 4, 20, 20, 9.0, 13.0)]),
            {"find_showers": True, "minimum_sigclip_groups": 10, "only_use_ints": False, "extend_snr_threshold": 1.1},
        ),
    ]


def jump_data_like_jwst(exp, options):
    """JumpData as jwst 3.0.0 ``JumpStep._setup_jump_data`` fills it (no read_times)."""
    o = {**JWST_DEFAULTS, **options}
    jd = JumpData(gain2d=exp.gain.copy(), rnoise2d=exp.readnoise.copy(), dqflags=dqflags.pixel)
    jd.init_arrays_from_arrays(exp.data.copy(), exp.groupdq.copy(), exp.pixeldq.copy())
    jd.nframes = exp.nframes
    jd.dt_group = np.ones(1)
    jd.n_reads_groupdiff = np.ones(1) * 2 * exp.nframes
    jd.set_detection_settings(
        o["rejection_threshold"],
        o["three_group_rejection_threshold"],
        o["four_group_rejection_threshold"],
        o["max_jump_to_flag_neighbors"],
        o["min_jump_to_flag_neighbors"],
        o["flag_4_neighbors"],
    )
    gtime = exp.group_time
    jd.set_after_jump(
        o["after_jump_flag_dn1"],
        int(o["after_jump_flag_time1"] // gtime),
        o["after_jump_flag_dn2"],
        int(o["after_jump_flag_time2"] // gtime),
    )
    jd.set_snowball_info(
        o["expand_large_events"],
        o["min_jump_area"],
        o["min_sat_area"],
        o["expand_factor"],
        o["sat_required_snowball"],
        o["min_sat_radius_extend"],
        o["sat_expand"] * 2,
        o["edge_size"],
    )
    jd.set_shower_info(
        o["find_showers"],
        o["extend_snr_threshold"],
        o["extend_min_area"],
        o["extend_inner_radius"],
        o["extend_outer_radius"],
        o["extend_ellipse_expand_ratio"],
        o["min_diffs_single_pass"],
        o["max_extended_radius"] * 2,
    )
    jd.set_sigma_clipping_info(o["minimum_groups"], o["minimum_sigclip_groups"], o["only_use_ints"])
    jd.max_cores = "1"
    jd.grps_masked_after_shower = int(o["time_masked_after_shower"] // gtime)
    jd.mask_persist_grps_next_int = o["mask_snowball_core_next_int"]
    jd.persist_grps_flagged = int(o["snowball_time_masked_next_int"] // gtime)
    jd.max_shower_amplitude = jd.max_shower_amplitude * gtime
    return jd


def write_case(out, name, exp, options, seed):
    d = out / name
    d.mkdir(parents=True)
    for key in ("data", "groupdq", "pixeldq", "gain", "readnoise"):
        np.save(d / f"{key}.npy", getattr(exp, key))
    gdq, pdq, crs, extended = detect_jumps_data(jump_data_like_jwst(exp, options))
    np.save(d / "groupdq_out.npy", gdq.astype(np.uint8))
    np.save(d / "pixeldq_out.npy", pdq.astype(np.uint32))
    params = {
        "seed": seed,
        "shape": list(exp.shape),
        "group_time": exp.group_time,
        "nframes": exp.nframes,
        "options": options,
        "primary_crs": int(crs),
        "extended_events": int(extended),
    }
    (d / "params.json").write_text(json.dumps(params, indent=1, sort_keys=True) + "\n")
    return int(extended)


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--scale", choices=sorted(SCALES), default="small")
    ap.add_argument("--check", action="store_true", help="regenerate in a temp dir and compare hashes with --out")
    ap.add_argument("--base-seed", type=int, default=BASE_SEED, help="other scenes of the same kinds (stress runs)")
    args = ap.parse_args()

    target = args.out
    out = target.with_name(target.name + ".check") if args.check else target
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)

    cases = build_cases(args.scale)
    events = {}
    for k, (name, builder, options) in enumerate(cases):
        seed = args.base_seed + k
        events[name] = write_case(out, name, builder(np.random.default_rng(seed)), options, seed)

    files = sorted(p for p in out.rglob("*") if p.is_file())
    manifest = {
        "generator": "tests/oracle/jump_large_events_oracle.py",
        "scale": args.scale,
        "versions": {
            "python": sys.version.split()[0],
            "numpy": np.__version__,
            "stcal": stcal.__version__,
            "jwst": jwst.__version__,
            "stdatamodels": stdatamodels.__version__,
        },
        "base_seed": args.base_seed,
        "cases": {name: args.base_seed + k for k, (name, _, _) in enumerate(cases)},
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
        print(f"wrote {len(cases)} cases, {len(files)} files, {size / 1024:.0f} KiB to {out}; extended events {events}")


if __name__ == "__main__":
    main()
