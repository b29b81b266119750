"""MIRI imaging full frame end to end: our Detector1 against jwst 3.0.0's Detector1Pipeline on the
same simulated MIRIMAGE FULL FAST exposure (tests/golden/rate_cases.json `miri_full_rate`: 10
groups, reference columns, EMI, reset anomaly, cosmic rays and a shower), offline against its
mini CRDS cache, every step's product saved by both. The golden cases cover MIRI subarrays only
(their products are committed; a full frame's would be too large), so this one is compared here:

- after every ramp step (dq_init, emicorr (off by default, on here), saturation, lastframe, reset,
  linearity, rscd, dark_current, refpix, jump): SCI within 1e-6 relative (1e-6 DN absolute near zero), PIXELDQ
  and GROUPDQ bit-identical, the same S_* keyword;
- `_rate` and `_rateints`: SCI within 1e-5 relative (or 1e-6 DN/s) on >= 99.99 % of the pixels,
  ERR, VAR_POISSON and VAR_RNOISE within 1e-4 relative, DQ bit-identical.

Runs in about a minute (jwst's share)."""

import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest
from astropy.io import fits

from crds_offline import offline_env

REPO = pathlib.Path(__file__).resolve().parent.parent.parent
CASES_FILE = REPO / "tests" / "golden" / "rate_cases.json"
CASE = "miri_full_rate"
RAMP_STEPS = ["dq_init", "emicorr", "saturation", "lastframe", "reset", "linearity", "rscd", "dark_current", "refpix", "jump"]
STATUS = {"dq_init": "S_DQINIT", "emicorr": "S_MIREMI", "saturation": "S_SATURA", "lastframe": "S_LASTFR", "reset": "S_RESET",
          "linearity": "S_LINEAR", "rscd": "S_RSCD", "dark_current": "S_DARK", "refpix": "S_REFPIX", "jump": "S_JUMP"}


# What each step changes on this exposure (checked against the previous step's product). Not
# emicorr: it runs (S_MIREMI COMPLETE), but on this full frame jwst's joint fit finds every
# chi-squared NaN and leaves the data as they are, and so do we; nor saturation: nothing saturates.
CHANGES = {"lastframe": "GROUPDQ", "reset": "SCI", "linearity": "SCI", "dark_current": "SCI", "refpix": "SCI", "jump": "GROUPDQ"}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("miri-full")
    subprocess.run(["node", "scripts/golden-inputs.mjs", "--cases", str(CASES_FILE), "--out", str(root / "in"),
                    "--crds", str(root / "crds"), "--case", CASE], check=True, cwd=REPO, capture_output=True)
    uncal = next((root / "in" / CASE / "input").glob("*_uncal.fits"))
    env = offline_env(root / "crds")
    # emicorr is off by default: on here, in both
    steps = ["--save_calibrated_ramp=true", "--steps.emicorr.skip=false"] + [f"--steps.{step}.save_results=true" for step in RAMP_STEPS]
    jwst_dir, ours_dir = root / "jwst", root / "ours"
    jwst_dir.mkdir()
    script = (
        "import sys; from jwst.pipeline import Detector1Pipeline; "
        "Detector1Pipeline.call(sys.argv[1], output_dir=sys.argv[2], save_results=True, save_calibrated_ramp=True, "
        f"steps={{name: {{'save_results': True, **({{'skip': False}} if name == 'emicorr' else {{}})}} for name in {RAMP_STEPS!r}}})"
    )
    subprocess.run([sys.executable, "-c", script, str(uncal), str(jwst_dir)], check=True, env=env, cwd=jwst_dir, capture_output=True)
    subprocess.run(["node", str(REPO / "dist/cli/main.js"), "run", str(uncal), "--output-dir", str(ours_dir), "--threads", "2", "--quiet", *steps],
                   check=True, env=env, cwd=REPO)
    return uncal.name.removesuffix("_uncal.fits"), jwst_dir, ours_dir


def assert_close(ours, truth, rtol, atol, what):
    assert ours.shape == truth.shape, what
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(truth), err_msg=f"{what}: NaN positions")
    finite = ~np.isnan(truth)
    diff = np.abs(ours[finite].astype(np.float64) - truth[finite])
    allowed = np.maximum(rtol * np.abs(truth[finite].astype(np.float64)), atol)
    return diff, allowed


@pytest.mark.parametrize("step", RAMP_STEPS)
def test_every_ramp_step_equals_jwst(runs, step):
    stem, jwst_dir, ours_dir = runs
    with fits.open(jwst_dir / f"{stem}_{step}.fits") as truth, fits.open(ours_dir / f"{stem}_{step}.fits") as ours:
        assert ours[0].header[STATUS[step]] == truth[0].header[STATUS[step]], step
        diff, allowed = assert_close(ours["SCI"].data, truth["SCI"].data, 1e-6, 1e-6, f"{step} SCI")
        print(f"{step}: {truth[0].header[STATUS[step]]}, SCI max |diff| {diff.max(initial=0):.3g}, differing {np.count_nonzero(diff)}")
        assert np.all(diff <= allowed), f"{step} SCI: {np.count_nonzero(diff > allowed)} pixels beyond 1e-6"
        for ext in ("PIXELDQ", "GROUPDQ"):
            np.testing.assert_array_equal(ours[ext].data, truth[ext].data, err_msg=f"{step} {ext}")
        if step in CHANGES:
            # the step does something on this exposure: jwst's product differs from its input
            with fits.open(jwst_dir / f"{stem}_{RAMP_STEPS[RAMP_STEPS.index(step) - 1]}.fits") as before:
                changed = np.count_nonzero(truth[CHANGES[step]].data != before[CHANGES[step]].data)
            assert changed > 0, f"{step} changed no {CHANGES[step]} value"


@pytest.mark.parametrize("suffix", ["rate", "rateints"])
def test_rate_products_equal_jwst(runs, suffix):
    stem, jwst_dir, ours_dir = runs
    with fits.open(jwst_dir / f"{stem}_{suffix}.fits") as truth, fits.open(ours_dir / f"{stem}_{suffix}.fits") as ours:
        diff, allowed = assert_close(ours["SCI"].data, truth["SCI"].data, 1e-5, 1e-6, f"{suffix} SCI")
        within = np.mean(diff <= allowed)
        report = {"SCI": float(diff.max(initial=0))}
        assert within >= 0.9999, f"{suffix} SCI: only {within:.6f} of the pixels within 1e-5"
        for ext in ("ERR", "VAR_POISSON", "VAR_RNOISE"):
            diff, allowed = assert_close(ours[ext].data, truth[ext].data, 1e-4, 0.0, f"{suffix} {ext}")
            report[ext] = float(diff.max(initial=0))
            assert np.all(diff <= allowed), f"{suffix} {ext}: {np.count_nonzero(diff > allowed)} pixels beyond 1e-4"
        np.testing.assert_array_equal(ours["DQ"].data, truth["DQ"].data, err_msg=f"{suffix} DQ")
        for key in ("S_MIREMI", "S_RESET", "S_RSCD", "S_REFPIX", "S_JUMP", "S_RAMP"):
            assert ours[0].header.get(key) == truth[0].header.get(key), key
    print(f"{suffix}: max |ours - jwst| {json.dumps(report)}")
