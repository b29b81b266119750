"""Our group_scale and gain_scale against jwst 3.0.0's GroupScaleStep and GainScaleStep run on the
same files. The golden cases never exercise them (FRMDIVSR == NFRAMES, no GAINFACT), so here a
simulated NIRCam exposure is given NFRAMES 5 with FRMDIVSR 4 and 8, NFRAMES 6 with FRMDIVSR 1 (and two cases jwst skips),
and its _rate/_rateints (from our steps through ramp_fit) are rescaled with the GAINFACT of a GAIN
reference or of the product itself. SCI, ERR and variances bit for bit, same statuses."""

import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from crds_offline import offline_env

import stdatamodels.jwst.datamodels as dm

HERE = pathlib.Path(__file__).parent
REPO = HERE.parent.parent
GROUP_CASES = ["group_5_4", "group_5_8", "group_6_1", "group_6_none", "group_4_4"]
GAIN_CASES = [
    "gain_rate_gain_fact",
    "gain_rateints_gain_fact",
    "gain_rate_gain_nofact",
    "gain_rateints_gain_nofact_own",
]


# jwst's steps in a child process: GainScaleStep asks CRDS for its context once it has used a
# reference, so it runs offline against the mini CRDS cache the simulation wrote.
JWST_SCRIPT = """
import sys, pathlib
import stdatamodels.jwst.datamodels as dm
from jwst.gain_scale import GainScaleStep
from jwst.group_scale import GroupScaleStep
out = pathlib.Path(sys.argv[1])
for name in sys.argv[2].split(","):
    GroupScaleStep.call(dm.RampModel(out / f"{name}.fits")).save(out / f"jwst_{name}.fits")
for name in sys.argv[3].split(","):
    gain = "gain_fact" if "_gain_fact" in name else "gain_nofact"
    with dm.open(out / f"{name}_in.fits") as model:
        GainScaleStep.call(model, override_gain=str(out / f"{gain}.fits")).save(out / f"jwst_{name}.fits")
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    out = tmp_path_factory.mktemp("scale")
    subprocess.run(["node", str(HERE / "scale_steps.mjs"), str(out)], check=True, cwd=REPO)
    env = offline_env(out / "crds")
    command = [sys.executable, "-c", JWST_SCRIPT, str(out), ",".join(GROUP_CASES), ",".join(GAIN_CASES)]
    subprocess.run(command, check=True, env=env)
    return out


def bits(array):
    return np.asarray(array, dtype=np.float32).view(np.uint32)


@pytest.mark.parametrize("name", GROUP_CASES)
def test_group_scale_equals_jwst(files, name):
    status = json.loads((files / "status.json").read_text())[name]
    with dm.RampModel(files / f"jwst_{name}.fits") as truth, dm.RampModel(files / f"ours_{name}.fits") as ours:
        assert truth.meta.cal_step.group_scale == status
        np.testing.assert_array_equal(bits(ours.data), bits(truth.data))
        if status == "COMPLETE":
            # the case exercises what it claims to: values changed
            with dm.RampModel(files / f"{name}.fits") as before:
                assert not np.array_equal(truth.data, before.data)


@pytest.mark.parametrize("name", GAIN_CASES)
def test_gain_scale_equals_jwst(files, name):
    status = json.loads((files / "status.json").read_text())[name]
    with dm.open(files / f"jwst_{name}.fits") as truth, dm.open(files / f"ours_{name}.fits") as ours:
        assert truth.meta.cal_step.gain_scale == status
        for array in ("data", "err", "var_poisson", "var_rnoise"):
            np.testing.assert_array_equal(bits(getattr(ours, array)), bits(getattr(truth, array)), err_msg=array)
        np.testing.assert_array_equal(ours.dq, truth.dq)
        assert ours.meta.exposure.gain_factor == truth.meta.exposure.gain_factor
        if status == "COMPLETE":
            with dm.open(files / f"{name}_in.fits") as before:
                assert not np.array_equal(truth.data, before.data, equal_nan=True)
