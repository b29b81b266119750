"""MIRI's REFOUT (the reference output, a quarter-width cube beside SCI) goes through Detector1
untouched and lands in `_ramp` and in a step's saved product, as jwst writes them. Our simulator
does not write REFOUT, so this test adds one to a simulated MIRI uncal with astropy; both
pipelines then run on that same file, integration by integration for ours (2 integrations)."""

import os
import pathlib
import subprocess

import numpy as np
import pytest
from astropy.io import fits

from crds_offline import offline_env

REPO = pathlib.Path(__file__).parent.parent.parent


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("refout")
    stem = "jw00000001001_01101_00001_mirimage"
    simulate = ["node", "dist/cli/main.js", "simulate", "--instrument", "miri", "--subarray", "SUB256", "--readpatt", "FAST"]
    simulate += ["--ngroups", "6", "--nints", "2", "--seed", "5", "--output-dir", str(out), "--name", stem, "--crds-cache", str(out / "crds")]
    subprocess.run(simulate, check=True, cwd=REPO, stdout=subprocess.DEVNULL)
    uncal = out / f"{stem}_uncal.fits"
    with fits.open(uncal) as hdus:
        nints, ngroups, ny, nx = hdus["SCI"].data.shape
        refout = np.random.default_rng(3).integers(9000, 40000, size=(nints, ngroups, ny, nx // 4), dtype=np.uint16)
        hdus.insert(hdus.index_of("SCI") + 1, fits.ImageHDU(refout, name="REFOUT"))
        hdus.writeto(out / "with_refout.fits")
    os.replace(out / "with_refout.fits", uncal)
    env = offline_env(out / "crds")
    ours = ["node", "dist/cli/main.js", "run", str(uncal), "--save_calibrated_ramp=true", "--quiet"]
    subprocess.run([*ours, "--output-dir", str(out / "ours")], check=True, cwd=REPO, env=env)
    subprocess.run([*ours, "--output-dir", str(out / "ours-saved"), "--steps.linearity.save_results=true"], check=True, cwd=REPO, env=env)
    script = (
        "import sys; from jwst.pipeline import Detector1Pipeline; "
        "Detector1Pipeline.call(sys.argv[1], output_dir=sys.argv[2], save_results=True, save_calibrated_ramp=True, "
        "steps={'linearity': {'save_results': True}})"
    )
    (out / "jwst").mkdir()
    subprocess.run([os.sys.executable, "-c", script, str(uncal), str(out / "jwst")], check=True, env=env, stderr=subprocess.DEVNULL)
    return out, stem, refout


def test_ramp_carries_refout(runs):
    out, stem, refout = runs
    with fits.open(out / "ours" / f"{stem}_ramp.fits") as ours, fits.open(out / "jwst" / f"{stem}_ramp.fits") as truth:
        assert [h.name for h in ours] == [h.name for h in truth]
        assert ours["REFOUT"].data.dtype == truth["REFOUT"].data.dtype
        np.testing.assert_array_equal(ours["REFOUT"].data, truth["REFOUT"].data)
        np.testing.assert_array_equal(ours["REFOUT"].data, refout.astype(np.float32))
        for name in ("SCI", "PIXELDQ", "GROUPDQ"):
            np.testing.assert_array_equal(ours[name].data, truth[name].data, err_msg=name)


def test_saved_step_product_carries_refout(runs):
    out, stem, _ = runs
    with fits.open(out / "ours-saved" / f"{stem}_linearity.fits") as ours, fits.open(out / "jwst" / f"{stem}_linearity.fits") as truth:
        assert [h.name for h in ours] == [h.name for h in truth]
        np.testing.assert_array_equal(ours["REFOUT"].data, truth["REFOUT"].data)
        np.testing.assert_array_equal(ours["SCI"].data, truth["SCI"].data)
