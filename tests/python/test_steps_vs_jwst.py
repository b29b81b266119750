"""Our dq_init and superbias steps (reference reading, DQ_DEF translation, subarray cut-out from
full-frame references, kernels in worker threads) against jwst's own algorithms on the same files."""

import pathlib
import subprocess
import warnings

import numpy as np
import pytest

import stdatamodels.jwst.datamodels as dm
from jwst.dq_init.dq_initialization import do_dqinit
from jwst.superbias import bias_sub

HERE = pathlib.Path(__file__).parent
REPO = HERE.parent.parent


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    out = tmp_path_factory.mktemp("steps")
    subprocess.run(["node", str(HERE / "write_step_inputs.mjs"), str(out)], check=True, cwd=REPO)
    return out


def test_dq_init_then_superbias_equal_jwst(files):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the mask's unknown DQ_DEF name warns in both implementations
        model = dm.RampModel(files / "input_ramp.fits")
        truth = do_dqinit(model, dm.MaskModel(files / "mask.fits"))
        truth = bias_sub.do_correction(truth, dm.SuperBiasModel(files / "superbias.fits"))
    with dm.RampModel(files / "ours_superbias.fits") as ours:
        np.testing.assert_array_equal(ours.pixeldq, truth.pixeldq)
        np.testing.assert_array_equal(ours.groupdq, truth.groupdq)
        np.testing.assert_array_equal(ours.data, truth.data)
        # the case exercises what it claims to
        assert np.count_nonzero(truth.groupdq & 1) > 0
        assert np.count_nonzero(truth.pixeldq & 2**31) > 0
        assert ours.meta.cal_step.dq_init == "COMPLETE"
        assert ours.meta.cal_step.superbias == "COMPLETE"
