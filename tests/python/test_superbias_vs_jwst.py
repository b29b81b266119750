"""`detector1 demo` runs our superbias kernel (wasm, in worker threads, on row bands) on an
exposure and reference it writes; jwst's own superbias algorithm on the same two files must
give the same ramp, bit for bit, and the same PIXELDQ/GROUPDQ."""

import pathlib
import subprocess

import numpy as np
import pytest

import stdatamodels.jwst.datamodels as dm
from jwst.superbias import bias_sub

REPO = pathlib.Path(__file__).parent.parent.parent
STEM = "jw00000001001_01101_00001_nrs1"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    subprocess.run(["node", "dist/cli/main.js", "demo", "--output-dir", str(out)], check=True, cwd=REPO)
    return out


def test_uncal_opens_as_level1b_and_as_ramp(demo):
    with dm.open(demo / f"{STEM}_uncal.fits") as model:
        assert isinstance(model, dm.Level1bModel)
        assert model.data.dtype.newbyteorder("=") == np.uint16
    with dm.RampModel(demo / f"{STEM}_uncal.fits") as model:
        assert model.data.shape == (2, 10, 32, 512)
        assert model.meta.subarray.name == "SUB512" and model.meta.exposure.ngroups == 10


def test_superbias_equals_jwst(demo):
    # bias_sub.do_correction is what SuperBiasStep runs once it has the reference (no CRDS here).
    with dm.RampModel(demo / f"{STEM}_uncal.fits") as raw, dm.SuperBiasModel(demo / "demo_nirspec_superbias.fits") as ref:
        truth = bias_sub.do_correction(raw, ref)
    with dm.open(demo / f"{STEM}_superbias.fits") as ours:
        assert isinstance(ours, dm.RampModel)
        assert ours.meta.cal_step.superbias == "COMPLETE"
        np.testing.assert_array_equal(ours.data, truth.data)
        np.testing.assert_array_equal(ours.pixeldq, truth.pixeldq)
        np.testing.assert_array_equal(ours.groupdq, truth.groupdq)
        # the demo reference has a NaN bias pixel and an UNRELIABLE_BIAS flag: both exercised
        assert np.count_nonzero(truth.pixeldq) == 1
