"""read_times: jwst's RampFitStep switches to LIKELY (with a warning) when the ramp carries
``meta.exposure.read_times`` and fits with those times. The ramps are written by jwst's own
datamodels (read_times lands in the FITS file's ASDF extension); our step reads the same files
(tests/python/ramp_fit_read_times.mjs) with algorithm OLS_C requested. Rate and rateints must be
bit for bit jwst's, and both must warn. With 3 groups LIKELY falls back to OLS_C in both."""

import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import stdatamodels.jwst.datamodels as dm
from stdatamodels.jwst.datamodels import dqflags

HERE = pathlib.Path(__file__).parent
REPO = HERE.parent.parent
SHAPE = (2, 16, 24)  # nints, rows, cols
# Unevenly sampled groups (s): different numbers of frames per group, irregular spacing.
READ_TIMES = {
    "uneven": [[0.5, 1.0], [3.1], [4.0, 4.9, 5.6], [9.2], [11.0, 11.5], [17.3], [18.0, 18.4]],
    "uneven_3groups": [[0.5, 1.0], [3.1], [4.0, 4.9, 5.6]],
}
WARNING = "Setting the algorithm to LIKELY for unevenly sampled exposure"

JWST_SCRIPT = """
import json, logging, pathlib, sys
import stdatamodels.jwst.datamodels as dm
from stpipe import crds_client
from jwst.ramp_fitting import RampFitStep
# Every reference is an override: only the bookkeeping of the products asks CRDS for its context.
crds_client.get_context_used = lambda observatory: "jwst_0000.pmap"
out = pathlib.Path(sys.argv[1])
for name in sys.argv[2:]:
    records = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = lambda record: records.append(record.getMessage())
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.DEBUG)
    rate, rateints = RampFitStep.call(
        str(out / f"{name}.fits"), algorithm="OLS_C", configure_log=False,
        override_gain=str(out / "gain.fits"), override_readnoise=str(out / "readnoise.fits"),
    )
    logging.getLogger().removeHandler(handler)
    rate.save(out / f"jwst_{name}_rate.fits")
    rateints.save(out / f"jwst_{name}_rateints.fits")
    (out / f"jwst_{name}.json").write_text(json.dumps(records))
# The same ramp without its read times: LIKELY on evenly spaced frames.
model = dm.RampModel(out / "uneven.fits")
model.meta.exposure.read_times = []
rate, _ = RampFitStep.call(
    model, algorithm="LIKELY", override_gain=str(out / "gain.fits"), override_readnoise=str(out / "readnoise.fits")
)
rate.save(out / "jwst_uneven_even_rate.fits")
"""


def write_inputs(out):
    rng = np.random.default_rng(20261121)
    nints, rows, cols = SHAPE
    gain = dm.GainModel(data=np.full((rows, cols), 2.0, np.float32))
    readnoise = dm.ReadnoiseModel(data=np.full((rows, cols), 8.0, np.float32))
    for model in (gain, readnoise):
        model.meta.instrument.name = "NIRCAM"
        model.meta.instrument.detector = "NRCA1"
        model.meta.subarray.xstart, model.meta.subarray.ystart = 1, 1
        model.meta.subarray.xsize, model.meta.subarray.ysize = cols, rows
    gain.meta.description = readnoise.meta.description = "flat test reference"
    gain.save(out / "gain.fits")
    readnoise.save(out / "readnoise.fits")
    for name, read_times in READ_TIMES.items():
        ngroups = len(read_times)
        mean_t = np.array([np.mean(t) for t in read_times])
        rate = rng.uniform(0.5, 400.0, (rows, cols))
        data = 500.0 + rate[None, None] * mean_t[None, :, None, None] + rng.normal(0.0, 6.0, (nints, ngroups, rows, cols))
        groupdq = np.zeros(data.shape, np.uint8)
        groupdq[rng.random(data.shape) < 0.03] = dqflags.group["JUMP_DET"]
        groupdq[:, -1][rng.random((nints, rows, cols)) < 0.05] = dqflags.group["SATURATED"]
        model = dm.RampModel(data=data.astype(np.float32), groupdq=groupdq, pixeldq=np.zeros((rows, cols), np.uint32))
        m = model.meta
        m.instrument.name, m.instrument.detector, m.instrument.filter, m.instrument.pupil = "NIRCAM", "NRCA1", "F200W", "CLEAR"
        m.exposure.type, m.exposure.readpatt = "NRC_IMAGE", "RAPID"
        m.exposure.nints, m.exposure.ngroups, m.exposure.nframes, m.exposure.groupgap = nints, ngroups, 1, 0
        m.exposure.frame_time = m.exposure.group_time = 2.5
        m.exposure.drop_frames1 = 0
        m.subarray.name, m.subarray.xstart, m.subarray.ystart = "SUB64P", 1, 1
        m.subarray.xsize, m.subarray.ysize, m.subarray.fastaxis, m.subarray.slowaxis = cols, rows, -1, 2
        m.observation.date, m.observation.time = "2025-01-01", "00:00:00"
        m.exposure.read_times = read_times
        model.save(out / f"{name}.fits")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    out = tmp_path_factory.mktemp("read_times")
    write_inputs(out)
    subprocess.run(["node", str(HERE / "ramp_fit_read_times.mjs"), str(out), *READ_TIMES], check=True, cwd=REPO)
    env = {**os.environ, "CRDS_MODE": "local", "CRDS_PATH": str(out / "no-crds"), "STPIPE_DISABLE_CRDS_STEPPARS": "true"}
    subprocess.run([sys.executable, "-c", JWST_SCRIPT, str(out), *READ_TIMES], check=True, env=env)
    return out


def bits(array):
    return np.asarray(array, dtype=np.float32).view(np.uint32)


@pytest.mark.parametrize("name", READ_TIMES)
def test_read_times_reach_our_step(files, name):
    ours = json.loads((files / f"ours_{name}.json").read_text())
    assert ours["readTimes"] == READ_TIMES[name]
    # jwst read the same list from the same file
    with dm.RampModel(files / f"{name}.fits") as model:
        assert [list(g) for g in model.meta.exposure.read_times] == READ_TIMES[name]


@pytest.mark.parametrize("name", READ_TIMES)
def test_both_warn_and_switch(files, name):
    jwst_log = json.loads((files / f"jwst_{name}.json").read_text())
    ours = [m["message"] for m in json.loads((files / f"ours_{name}.json").read_text())["messages"]]
    assert WARNING in jwst_log
    assert ours[0] == WARNING
    fell_back = any("is being changed to OLS_C" in m for m in jwst_log)
    assert fell_back == (len(READ_TIMES[name]) < 4)
    assert any("is being changed to OLS_C" in m for m in ours) == fell_back


@pytest.mark.parametrize("name", READ_TIMES)
@pytest.mark.parametrize("product", ["rate", "rateints"])
def test_products_equal_jwst(files, name, product):
    with dm.open(files / f"jwst_{name}_{product}.fits") as truth, dm.open(files / f"ours_{name}_{product}.fits") as ours:
        assert np.isfinite(truth.data).sum() > truth.data.size // 2  # the case fits something
        for array in ("data", "err", "var_poisson", "var_rnoise"):
            np.testing.assert_array_equal(bits(getattr(ours, array)), bits(getattr(truth, array)), err_msg=array)
        np.testing.assert_array_equal(ours.dq, truth.dq)


def test_read_times_matter(files):
    """Without its read times (LIKELY on evenly spaced TFRAME frames) jwst gives other slopes."""
    with dm.open(files / "jwst_uneven_even_rate.fits") as even, dm.open(files / "ours_uneven_rate.fits") as ours:
        assert not np.allclose(even.data, ours.data, equal_nan=True)


@pytest.mark.parametrize("name", READ_TIMES)
def test_pipeline_switches_too(files, name):
    """Detector1 (every step before ramp_fit skipped, OLS_C asked) fits as jwst's RampFitStep did."""
    with dm.open(files / f"jwst_{name}_rate.fits") as truth, dm.open(files / "pipeline" / f"{name}_rate.fits") as ours:
        for array in ("data", "err", "var_poisson", "var_rnoise"):
            np.testing.assert_array_equal(bits(getattr(ours, array)), bits(getattr(truth, array)), err_msg=array)
        np.testing.assert_array_equal(ours.dq, truth.dq)
