"""`detector1 run` against jwst's Detector1Pipeline on exposures beyond the golden subarrays:
- a NIRCam full frame (2048x2048, 10 groups, cosmic rays and snowballs), also run by row bands
  (`--banded`);
- a 3-integration SUB640 one, processed one integration at a time, and the same with the steps
  jwst skips by default switched on (charge_migration, snowballs, persistence);
- a 3-integration SUBGRISM64 (4 outputs, side reference pixels), one integration at a time.
All are simulated with `detector1 simulate`, with a mini CRDS cache that both pipelines select
their references from (jwst through crds offline, we through ts/crds). `_rate`, `_rateints` and
`_ramp` must be identical, with the same S_*/R_* keywords."""

import json
import os
import pathlib
import subprocess

import numpy as np
import pytest
from astropy.io import fits

from crds_offline import offline_env

REPO = pathlib.Path(__file__).parent.parent.parent
CASES = {
    "full": ["--subarray", "FULL", "--ngroups", "10", "--nints", "1", "--cosmic-rays", "3000", "--snowballs", "4", "--seed", "11"],
    "sub640x3": ["--subarray", "SUB640", "--ngroups", "8", "--nints", "3", "--cosmic-rays", "300", "--snowballs", "1", "--seed", "12"],
    "sub640x3-flagging": ["--subarray", "SUB640", "--ngroups", "8", "--nints", "3", "--cosmic-rays", "300", "--snowballs", "2", "--seed", "13"],
    # 4 outputs and side reference pixels, one integration at a time: jwst's refpix keeps its
    # float64 group buffer from one integration to the next.
    "subgrism64x3": ["--subarray", "SUBGRISM64", "--ngroups", "6", "--nints", "3", "--cosmic-rays", "100", "--seed", "14"],
}
# Also run by row bands (`detector1 run --banded`, which writes _rate and _rateints only).
BANDED = {"full"}
# Steps jwst skips by default, switched on (the integrations still go through one at a time).
STEPS = {
    "sub640x3-flagging": {
        "charge_migration": {"skip": False, "signal_threshold": 20000.0},
        "jump": {"expand_large_events": True},
        "persistence": {"skip": False, "persistence_time": 100, "dn_threshold": 30000.0},
    },
}
EXTENSIONS = {
    "rate": ("SCI", "ERR", "DQ", "VAR_POISSON", "VAR_RNOISE"),
    "rateints": ("SCI", "ERR", "DQ", "VAR_POISSON", "VAR_RNOISE"),
    "ramp": ("SCI", "PIXELDQ", "GROUPDQ"),
}


@pytest.fixture(scope="module", params=sorted(CASES))
def runs(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(request.param)
    stem = f"jw00000001001_01101_00001_nrca1"
    simulate = ["node", "dist/cli/main.js", "simulate", "--instrument", "nircam", "--detector", "NRCA1", "--readpatt", "RAPID"]
    simulate += CASES[request.param] + ["--output-dir", str(out), "--name", stem, "--crds-cache", str(out / "crds")]
    subprocess.run(simulate, check=True, cwd=REPO, stdout=subprocess.DEVNULL)
    env = offline_env(out / "crds")
    uncal = out / f"{stem}_uncal.fits"
    steps = STEPS.get(request.param, {})
    options = [f"--steps.{step}.{name}={value}" for step, values in steps.items() for name, value in values.items()]
    subprocess.run(
        ["node", "dist/cli/main.js", "run", str(uncal), "--output-dir", str(out / "ours"), "--save_calibrated_ramp=true", "--quiet", *options],
        check=True, cwd=REPO, env=env,
    )
    if request.param in BANDED:
        subprocess.run(
            ["node", "dist/cli/main.js", "run", str(uncal), "--output-dir", str(out / "ours-banded"), "--banded", "--quiet", *options],
            check=True, cwd=REPO, env=env,
        )
    script = (
        "import sys, json; from jwst.pipeline import Detector1Pipeline; "
        "Detector1Pipeline.call(sys.argv[1], output_dir=sys.argv[2], save_results=True, save_calibrated_ramp=True, steps=json.loads(sys.argv[3]))"
    )
    (out / "jwst").mkdir()
    subprocess.run([os.sys.executable, "-c", script, str(uncal), str(out / "jwst"), json.dumps(steps)], check=True, env=env, stderr=subprocess.DEVNULL)
    return out, stem, request.param


@pytest.mark.parametrize("suffix", sorted(EXTENSIONS))
def test_products_equal_jwst(runs, suffix):
    out, stem, case = runs
    with fits.open(out / "ours" / f"{stem}_{suffix}.fits") as ours, fits.open(out / "jwst" / f"{stem}_{suffix}.fits") as truth:
        for name in EXTENSIONS[suffix]:
            np.testing.assert_array_equal(ours[name].data, truth[name].data, err_msg=f"{suffix} {name}")
        keywords = lambda h: {k: v for k, v in h.items() if k[:2] in ("S_", "R_")}
        assert keywords(ours[0].header) == keywords(truth[0].header)
        if suffix == "ramp":
            # the exposure exercises what it claims to: jumps and saturation
            assert np.count_nonzero(truth["GROUPDQ"].data & 4) > 1000
            if case != "subgrism64x3":  # 64 rows hold no saturating star
                assert np.count_nonzero(truth["GROUPDQ"].data & 2) > 0
            if case in STEPS:  # CHARGELOSS and PERSISTENCE flags were set
                assert np.count_nonzero(truth["GROUPDQ"].data & 128) > 0 and np.count_nonzero(truth["GROUPDQ"].data & 32) > 0


@pytest.mark.parametrize("suffix", ["rate", "rateints"])
def test_banded_products_equal_jwst(runs, suffix):
    out, stem, case = runs
    if case not in BANDED:
        pytest.skip(f"{case} is not run by row bands")
    with fits.open(out / "ours-banded" / f"{stem}_{suffix}.fits") as ours, fits.open(out / "jwst" / f"{stem}_{suffix}.fits") as truth:
        for name in EXTENSIONS[suffix]:
            np.testing.assert_array_equal(ours[name].data, truth[name].data, err_msg=f"banded {suffix} {name}")
        keywords = lambda h: {k: v for k, v in h.items() if k[:2] in ("S_", "R_")}
        assert keywords(ours[0].header) == keywords(truth[0].header)


@pytest.mark.parametrize("suffix,model", [("rate", "ImageModel"), ("rateints", "CubeModel"), ("ramp", "RampModel")])
def test_products_open_in_stdatamodels(runs, suffix, model):
    import warnings

    import stdatamodels.jwst.datamodels as dm

    out, stem, _ = runs
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with dm.open(out / "ours" / f"{stem}_{suffix}.fits") as opened:
            assert type(opened).__name__ == model
            assert opened.meta.cal_step.jump == "COMPLETE"
