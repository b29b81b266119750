"""NIRSpec IRS2 refpix and saturation. refpix: our step on simulated NRSIRS2RAPID full frames (ts/sim/irs2.ts: NRS1, and
NRS2 with 2 integrations, preserve_irs2_refpix and another ovr_corr_mitigation_ftr) with a
synthetic REFPIX reference, against jwst 3.0.0's RefPixStep on the same files. jwst computes the
FFTs in complex64 and we in float64, so SCI agrees to float32 rounding (1e-6 relative), not bit
for bit; the interleaved reference rows kept by preserve_irs2_refpix hold small residuals (no
mean added back), compared to 1e-4 DN. PIXELDQ and GROUPDQ (flagged and stripped reference rows)
are bit-identical. saturation (jwst's own IRS2 path through x_irs2): our step on the NRS1 input
with injected saturating jumps and A/D-floor reads, a 2048 x 2048 SATURATION reference and an
IRS2-layout SUPERBIAS, against SaturationStep: GROUPDQ, PIXELDQ and SCI bit-identical. ipc (jwst
convolves the normal rows only, through x_irs2), superbias and dq_init (no IRS2 branch: a
reference in the IRS2 layout is applied as is) on the same input: bit-identical."""

import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import stdatamodels.jwst.datamodels as dm
from jwst.refpix.irs2_subtract_reference import make_irs2_mask

HERE = pathlib.Path(__file__).parent
REPO = HERE.parent.parent
RTOL = 1e-6
REFERENCE_ROWS_ATOL = 1e-4

# jwst in a child process: RefPixStep asks CRDS for its context once it used a reference, so it
# runs offline against the mini CRDS cache irs2_steps.mjs wrote.
JWST_SCRIPT = """
import json, sys, pathlib
import numpy as np
import stdatamodels.jwst.datamodels as dm
from jwst.refpix import RefPixStep
out = pathlib.Path(sys.argv[1])
names = {"preserveIrs2Refpix": "preserve_irs2_refpix", "ovrCorrMitigationFtr": "ovr_corr_mitigation_ftr"}
for name, spec in json.loads((out / "cases.json").read_text()).items():
    kwargs = {names[k]: v for k, v in spec["options"].items()}
    with dm.RampModel(out / f"{name}_input.fits") as model:
        result = RefPixStep.call(model, override_refpix=str(out / f"{name}_refpix_ref.fits"), **kwargs)
        np.savez(out / f"{name}_jwst.npz", data=result.data, pixeldq=result.pixeldq, groupdq=result.groupdq)
        (out / f"{name}_jwst_status.txt").write_text(result.meta.cal_step.refpix)
from jwst.saturation import SaturationStep
refs = {"override_saturation": str(out / "saturation_ref.fits"), "override_superbias": str(out / "superbias_ref.fits")}
for readpatt in (True, False):
    with dm.RampModel(out / "saturation_input.fits") as model:
        result = SaturationStep.call(model, use_readpatt=readpatt, **refs)
        np.savez(out / f"saturation_jwst_{readpatt}.npz", data=result.data, pixeldq=result.pixeldq, groupdq=result.groupdq)
from jwst.ipc import IPCStep
from jwst.superbias import SuperBiasStep
from jwst.dq_init import DQInitStep
first = next(iter(json.loads((out / "cases.json").read_text())))
for step, kwargs in ((IPCStep, {"override_ipc": str(out / "ipc_ref.fits"), "skip": False}),
                     (DQInitStep, {"override_mask": str(out / "mask_ref.fits")}),
                     (SuperBiasStep, {"override_superbias": str(out / "superbias_ref.fits")})):
    with dm.RampModel(out / f"{first}_input.fits") as model:
        result = step.call(model, **kwargs)
        np.savez(out / f"{step.class_alias}_jwst.npz", data=result.data, pixeldq=result.pixeldq, groupdq=result.groupdq)
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    out = tmp_path_factory.mktemp("irs2")
    subprocess.run(["node", str(HERE / "irs2_steps.mjs"), str(out)], check=True, cwd=REPO)
    env = {
        **os.environ,
        "CRDS_PATH": str(out / "crds"),
        "CRDS_MODE": "local",
        "CRDS_SERVER_URL": "https://jwst-serverless-mode.stsci.edu",
        "CRDS_CONTEXT": next((out / "crds" / "mappings" / "jwst").glob("*.pmap")).name,
        "STPIPE_DISABLE_CRDS_STEPPARS": "true",
    }
    subprocess.run([sys.executable, "-c", JWST_SCRIPT, str(out)], check=True, env=env)
    return out, json.loads((out / "cases.json").read_text())


@pytest.mark.parametrize("name", ["nrs1", "nrs2_preserve"])
def test_refpix_irs2_equals_jwst(files, name):
    out, cases = files
    spec = cases[name]
    truth = np.load(out / f"{name}_jwst.npz")
    preserve = spec["options"].get("preserveIrs2Refpix", False)
    with dm.RampModel(out / f"{name}_ours.fits") as ours, dm.RampModel(out / f"{name}_input.fits") as raw:
        assert (out / f"{name}_jwst_status.txt").read_text() == "COMPLETE"
        assert ours.meta.cal_step.refpix == "COMPLETE"
        assert ours.data.shape == truth["data"].shape == (*raw.data.shape[:2], 3200 if preserve else 2048, 2048)
        np.testing.assert_array_equal(ours.pixeldq, truth["pixeldq"])
        np.testing.assert_array_equal(ours.groupdq, truth["groupdq"])
        if preserve:
            # DMS rows: NRS2 reads the detector mask backwards; the reference output keeps its mean.
            normal = make_irs2_mask(3200, 2048, 16, 4)
            normal = normal[::-1] if spec["detector"] == "NRS2" else normal
            refout = np.zeros(3200, bool)
            refout[-640:] = spec["detector"] == "NRS2"
            refout[:640] = spec["detector"] == "NRS1"
            kept = normal | refout
            np.testing.assert_allclose(ours.data[..., kept, :], truth["data"][..., kept, :], rtol=RTOL, atol=0)
            np.testing.assert_allclose(ours.data[..., ~kept, :], truth["data"][..., ~kept, :], rtol=0, atol=REFERENCE_ROWS_ATOL)
            # the noisy interleaved pair was flagged, and the correction changed the data
            assert np.all(truth["pixeldq"][spec["noisyPair"], :] & 2**17)
            assert np.abs(truth["data"][..., kept, :] - raw.data[..., kept, :]).max() > 1
        else:
            np.testing.assert_allclose(ours.data, truth["data"], rtol=RTOL, atol=0)
            # the correction changed the normal pixels
            normal = make_irs2_mask(3200, 2048, 16, 4)
            assert np.abs(truth["data"] - raw.data[..., normal, :]).max() > 1


def test_saturation_irs2_equals_jwst(files):
    out, _ = files
    truth = np.load(out / "saturation_jwst_True.npz")
    with dm.RampModel(out / "saturation_ours.fits") as ours:
        assert ours.meta.cal_step.saturation == "COMPLETE"
        np.testing.assert_array_equal(ours.groupdq, truth["groupdq"])
        np.testing.assert_array_equal(ours.pixeldq, truth["pixeldq"])
        np.testing.assert_array_equal(ours.data, truth["data"])
    # the case exercises what it claims: saturation, A/D floor, NO_SAT_CHECK, and jwst's
    # grouped-read test (more group-2 flags than without use_readpatt), none on reference rows
    gdq = truth["groupdq"]
    assert np.count_nonzero(gdq & 2) > 0 and np.count_nonzero(gdq & 64) > 0
    assert np.count_nonzero(truth["pixeldq"] & 2**21) > 0
    plain = np.load(out / "saturation_jwst_False.npz")["groupdq"]
    assert np.count_nonzero(gdq[:, 1] & 2) > np.count_nonzero(plain[:, 1] & 2)
    normal = make_irs2_mask(3200, 2048, 16, 4)
    assert not np.any(gdq[..., ~normal, :])


@pytest.mark.parametrize("step", ["ipc", "superbias", "dq_init"])
def test_ipc_superbias_dq_init_on_irs2_equal_jwst(files, step):
    out, cases = files
    truth = np.load(out / f"{step}_jwst.npz")
    with dm.RampModel(out / f"{step}_ours.fits") as ours, dm.RampModel(out / f"{next(iter(cases))}_input.fits") as raw:
        np.testing.assert_array_equal(ours.data, truth["data"])
        np.testing.assert_array_equal(ours.pixeldq, truth["pixeldq"])
        np.testing.assert_array_equal(ours.groupdq, truth["groupdq"])
        changed = np.any(truth["data"] != raw.data, axis=(0, 1, 3))
        normal = make_irs2_mask(3200, 2048, 16, 4)
        if step == "ipc":
            # the normal frame's 4-pixel reference border, the reference output and the
            # interleaved rows stay as they were
            assert changed[normal][4:-4].all() and not changed[normal][:4].any() and not changed[~normal].any()
        elif step == "superbias":
            assert changed.all()
        else:
            assert np.count_nonzero(truth["pixeldq"] & 2**17) > 0 and np.count_nonzero(truth["groupdq"] & 1) > 0
