"""Our emicorr step ('joint', jwst's default, and 'sequential', with the reference waveform or
on-the-fly frequencies; the pipeline skips emicorr by default, so the golden cases do not run
it) against jwst 3.0.0's `apply_emicorr` on simulated MIRI exposures
with the simulator's EMI ripple and EMICORR reference (ASDF, inline waveform): SUB128 FAST, a
SUB64 FASTR1 time series fit as one and per integration, and the SUB128 exposure relabelled SLOW
(9 samples per read, frequencies listed per detector; the simulator makes SLOW only in full
frame). SCI within 1e-6 relative. (Full frames, SUB256 and BRIGHTSKY are not useful cases: their
frames last a whole number of 390.625 Hz periods, so the ripple is a constant offset per pixel,
jwst finds no fit and changes nothing.)"""

import json
import pathlib
import subprocess

import numpy as np
import pytest
from astropy.io import fits

import stdatamodels.jwst.datamodels as dm
from jwst.emicorr import emicorr

HERE = pathlib.Path(__file__).parent
REPO = HERE.parent.parent

# name: simulator arguments, our options, jwst's apply_emicorr arguments
SUB128 = ["--subarray", "SUB128", "--readpatt", "FAST", "--ngroups", "5", "--nints", "2"]
SUB64_R1 = ["--subarray", "SUB64", "--readpatt", "FASTR1", "--ngroups", "8", "--nints", "3"]
SUB64_10 = ["--subarray", "SUB64", "--readpatt", "FAST", "--ngroups", "10", "--nints", "4"]
CASES = {
    "sub128_fast": (SUB128, {}, {"algorithm": "joint"}),
    "sub128_as_slow": (["--subarray", "SUB128", "--readpatt", "FAST", "--ngroups", "6", "--nints", "1"], {}, {"algorithm": "joint"}),
    "sub64_fastr1": (SUB64_R1, {}, {"algorithm": "joint"}),
    "sub64_fastr1_separately": (SUB64_R1, {"fitIntsSeparately": True}, {"algorithm": "joint", "fit_ints_separately": True}),
    "sub64_sequential": (SUB64_10, {"algorithm": "sequential"}, {"algorithm": "sequential"}),
    "sub64_fastr1_sequential_unscaled": (SUB64_R1, {"algorithm": "sequential", "scaleReference": False, "nbins": 64},
                                         {"algorithm": "sequential", "scale_reference": False, "nbins": 64}),
    "sub128_onthefly": (SUB128, {"ontheflyCorrFreq": [390.625]}, {"onthefly_corr_freq": [390.625]}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_emicorr_equals_jwst(tmp_path, name):
    args, ours_options, jwst_options = CASES[name]
    subprocess.run(
        ["node", "dist/cli/main.js", "simulate", "--instrument", "miri", *args, "--seed", "7",
         "--name", "emi", "--output-dir", str(tmp_path), "--crds-cache", str(tmp_path / "crds")],
        check=True, cwd=REPO, stdout=subprocess.DEVNULL,
    )
    uncal = tmp_path / "emi_uncal.fits"
    if name.endswith("_as_slow"):
        with fits.open(uncal, mode="update") as hdul:
            hdul[0].header["READPATT"] = "SLOW"
            hdul[0].header["NSAMPLES"] = 9
    reference = next((tmp_path / "crds" / "references" / "jwst" / "miri").glob("*emicorr*.asdf"))
    onthefly = "onthefly_corr_freq" in jwst_options
    subprocess.run(["node", str(HERE / "emicorr_run.mjs"), str(uncal), "-" if onthefly else str(reference), str(tmp_path / "ours.f32"),
                    json.dumps(ours_options)], check=True, cwd=REPO)
    model = dm.RampModel(uncal)
    before = model.data.copy()
    truth = emicorr.apply_emicorr(model, None if onthefly else dm.EmiModel(reference), **jwst_options)
    ours = np.fromfile(tmp_path / "ours.f32", np.float32).reshape(truth.data.shape)
    np.testing.assert_allclose(ours, truth.data, rtol=1e-6, atol=0)
    # the case exercises what it claims to: a correction of the simulated ripple's size (1.5 DN),
    # or, for the relabelled exposure whose ripple no longer follows the read times, some correction
    change = np.nanmax(np.abs(truth.data - before))
    assert 0.01 < change < 0.2 if name.endswith("_as_slow") else 0.1 < change < 10
    print(f"{name}: identical {np.mean(ours == truth.data):.4%}, max |diff| {np.nanmax(np.abs(ours - truth.data)):.3g} DN")
