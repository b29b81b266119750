"""`detector1 demo` runs every near-IR step we have (kernels in worker threads, on row bands) on a
simulated NIRCam exposure and the reference files it writes as a mini CRDS cache. jwst's
Detector1Pipeline, offline on the same uncal and the same cache, must give the same `_rate` and
`_rateints` bit for bit, with the same step statuses."""

import os
import pathlib
import subprocess

import numpy as np
import pytest

from crds_offline import offline_env

REPO = pathlib.Path(__file__).parent.parent.parent
STEM = "jw00000001001_01101_00001_nrca1"
ARRAYS = ("data", "err", "dq", "var_poisson", "var_rnoise")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    subprocess.run(["node", "dist/cli/main.js", "demo", "--output-dir", str(out)], check=True, cwd=REPO)
    # Offline CRDS against the demo's cache; no parameter references (every step's class defaults).
    env = offline_env(out / "crds")
    script = (
        "import sys; from jwst.pipeline import Detector1Pipeline; "
        "Detector1Pipeline.call(sys.argv[1], output_dir=sys.argv[2], save_results=True)"
    )
    (out / "jwst").mkdir()
    subprocess.run([os.sys.executable, "-c", script, str(out / f"{STEM}_uncal.fits"), str(out / "jwst")], check=True, env=env)
    return out


@pytest.mark.parametrize("suffix", ["rate", "rateints"])
def test_demo_products_equal_jwst(demo, suffix):
    import stdatamodels.jwst.datamodels as dm

    with dm.open(demo / f"{STEM}_{suffix}.fits") as ours, dm.open(demo / "jwst" / f"{STEM}_{suffix}.fits") as truth:
        assert type(ours) is type(truth)
        for name in ARRAYS:
            np.testing.assert_array_equal(getattr(ours, name), getattr(truth, name), err_msg=name)
        statuses = {k: v for k, v in truth.meta.cal_step.instance.items() if v == "COMPLETE"}
        assert {k: ours.meta.cal_step.instance.get(k) for k in statuses} == statuses
        # the case exercises what it claims to: saturation, jumps and flagged pixels
        assert np.count_nonzero(truth.dq & 2) > 0 and np.count_nonzero(truth.dq & 4) > 0
        assert np.isfinite(truth.data).sum() > 0.9 * truth.data.size
