"""End to end: jwst's Detector1Pipeline, offline against the generated mini CRDS cache, on simulated
NIRCam, NIRSpec NRS1 SUB512 (with the real DARK and SUPERBIAS) and MIRI imaging/TSO exposures
(tests/golden/rate_cases.json). The median of (rate - injected rate) over each scene's flat region
must be zero within the expected noise:

    sigma_median = sqrt(sigma_pix^2 + sigma_cm^2)
    sigma_pix    = 1.2533 x median(ERR) / sqrt(N)        (median of N independent pixels; ERR is jwst's)
    sigma_cm     = common-mode noise of a frame (1/f row noise, + amplifier drift where jwst's refpix
                   does not remove it: MIRI subarrays), taken as fully common to the region (worst
                   case) and propagated through a least-squares slope over NGROUPS groups:
                   sigma_frame x sqrt(12 / (n (n^2 - 1))) / TGROUP / sqrt(NINTS)

and |median| < 4 sigma_median. Full-frame NIRCam and MIRI cases run only with DETECTOR1_FULL_FRAME=1
(minutes, not seconds)."""

import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
from astropy.io import fits

REPO = pathlib.Path(__file__).resolve().parent.parent.parent
CASES_FILE = REPO / "tests" / "golden" / "rate_cases.json"
CASES = json.loads(CASES_FILE.read_text())["cases"]
FULL = os.environ.get("DETECTOR1_FULL_FRAME") == "1"
SELECTED = [name for name, case in CASES.items() if FULL or not case.get("slow")]
REAL = REPO.parent / "shared" / "data" / "real"


@pytest.fixture(scope="module")
def products(tmp_path_factory):
    root = tmp_path_factory.mktemp("rates")
    args = [arg for name in SELECTED for arg in ("--case", name)]
    subprocess.run(["node", "scripts/golden-inputs.mjs", "--cases", str(CASES_FILE), "--out", str(root / "in"),
                    "--crds", str(root / "crds"), "--real-dir", str(REAL), *args],
                   check=True, cwd=REPO, capture_output=True)
    # the pipeline runs in its own interpreter: crds reads its environment once per process
    subprocess.run([sys.executable, "tests/golden/run_jwst.py", "--cases", str(CASES_FILE), "--inputs", str(root / "in"),
                    "--crds", str(root / "crds"), "--run", str(root / "out"), *args], check=True, cwd=REPO)
    return root


def flat_statistics(root, name):
    side = json.loads(next((root / "in" / name / "input").glob("*_sim.json")).read_text())
    truth = fits.getdata(next((root / "in" / name / "input").glob("*_truth.fits")))
    rate_path = next((root / "out" / name).glob("*_rate.fits"))
    rate = fits.getdata(rate_path, "SCI")
    err = fits.getdata(rate_path, "ERR")
    f = side["flatRegion"]
    region = (slice(f["y0"], f["y0"] + f["ny"]), slice(f["x0"], f["x0"] + f["nx"]))
    diff = (rate - truth)[region]
    good = np.isfinite(diff)
    n = int(good.sum())
    nints, ngroups = side["shape"][:2]
    noise = side["noise"]
    per_frame = noise["oneOverF"] + (noise["driftSigma"] if side["instrument"] == "MIRI" else 0.0)
    sigma_cm = per_frame * np.sqrt(12 / (ngroups * (ngroups**2 - 1))) / side["tgroup"] / np.sqrt(nints)
    sigma_pix = 1.2533 * np.median(err[region][good]) / np.sqrt(n)
    return {
        "n": n,
        "injected": float(np.median(truth[region][good])),
        "median_diff": float(np.median(diff[good])),
        "sigma": float(np.hypot(sigma_pix, sigma_cm)),
        "sigma_pix": float(sigma_pix),
        "sigma_cm": float(sigma_cm),
        "header": fits.getheader(rate_path),
    }


@pytest.mark.parametrize("name", SELECTED)
def test_pipeline_recovers_the_injected_rate(products, name):
    s = flat_statistics(products, name)
    print(f"{name}: N={s['n']} injected {s['injected']:.3f} DN/s, median(rate - injected) {s['median_diff']:+.4f} DN/s "
          f"({100 * s['median_diff'] / s['injected']:+.3f}%), expected sigma {s['sigma']:.4f} "
          f"(pixels {s['sigma_pix']:.4f}, common mode {s['sigma_cm']:.4f}) -> {s['median_diff'] / s['sigma']:+.2f} sigma")
    assert s["n"] > 100
    assert abs(s["median_diff"]) < 4 * s["sigma"]
    header = s["header"]
    assert header["S_RAMP"] == "COMPLETE" and header["S_JUMP"] == "COMPLETE" and header["S_DARK"] == "COMPLETE"
    assert header["S_LINEAR"] == "COMPLETE" and header["S_DQINIT"] == "COMPLETE" and header["S_SATURA"] == "COMPLETE"
    if header["INSTRUME"] == "MIRI":
        assert header["S_RESET"] == "COMPLETE" and header["S_RSCD"] == "COMPLETE" and header["S_LASTFR"] == "COMPLETE"
    else:
        assert header["S_SUPERB"] == "COMPLETE" and header["S_REFPIX"] == "COMPLETE"
    if name.startswith("nrs1"):
        assert header["R_DARK"].endswith("jwst_nirspec_dark_0046.fits")
        assert header["R_SUPERB"].endswith("jwst_nirspec_superbias_0075.fits")


def test_tso_integrations_each_recover_the_rate(products):
    name = "miri_sub64_tso_rate"
    side = json.loads(next((products / "in" / name / "input").glob("*_sim.json")).read_text())
    truth = fits.getdata(next((products / "in" / name / "input").glob("*_truth.fits")))
    path = next((products / "out" / name).glob("*_rateints.fits"))
    rates, errs = fits.getdata(path, "SCI"), fits.getdata(path, "ERR")
    f = side["flatRegion"]
    region = (slice(f["y0"], f["y0"] + f["ny"]), slice(f["x0"], f["x0"] + f["nx"]))
    ngroups = side["shape"][1]
    sigma_cm = (side["noise"]["oneOverF"] + side["noise"]["driftSigma"]) * np.sqrt(12 / (ngroups * (ngroups**2 - 1))) / side["tgroup"]
    assert rates.shape[0] == side["shape"][0]
    for i, (rate, err) in enumerate(zip(rates, errs)):
        diff = (rate - truth)[region]
        good = np.isfinite(diff)
        sigma = np.hypot(1.2533 * np.median(err[region][good]) / np.sqrt(good.sum()), sigma_cm)
        assert abs(np.median(diff[good])) < 4 * sigma, f"integration {i}: {np.median(diff[good]):+.3f} vs sigma {sigma:.3f}"
