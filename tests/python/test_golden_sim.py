"""The simulator's files as STScI's software sees them: the uncal opens with stdatamodels as a
Level1bModel and a RampModel and validates without a warning; every simulated reference opens with
its datamodel class; crds, offline against the generated mini cache, selects exactly the
references made for each exposure (and the real NIRSpec DARK/SUPERBIAS for NRS1 SUB512)."""

import json
import os
import pathlib
import subprocess
import sys
import warnings

import numpy as np
import pytest

import stdatamodels.jwst.datamodels as dm

REPO = pathlib.Path(__file__).resolve().parent.parent.parent
CASES = REPO / "tests" / "golden" / "cases.json"
REAL = REPO.parent / "shared" / "data" / "real"


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("golden-inputs")
    summary = subprocess.run(
        ["node", "scripts/golden-inputs.mjs", "--cases", str(CASES), "--out", str(out / "cases"),
         "--crds", str(out / "crds"), "--real-dir", str(REAL)],
        check=True, cwd=REPO, capture_output=True, text=True,
    ).stdout
    return out, json.loads(summary)


def uncal_paths(root):
    return sorted((root / "cases").glob("*/input/*_uncal.fits"))


def test_uncal_opens_as_level1b_and_ramp_model_without_warnings(generated):
    root, _ = generated
    paths = uncal_paths(root)
    assert len(paths) == len(json.loads(CASES.read_text())["cases"])
    for path in paths:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # schema violations are ValidationWarnings
            with dm.open(path) as model:
                assert isinstance(model, dm.Level1bModel)
                assert model.data.dtype.newbyteorder("=") == np.uint16
                model.validate()
            with dm.RampModel(path) as ramp:
                nints, ngroups, ny, nx = ramp.data.shape
                assert ramp.data.dtype == np.float32
                assert (ramp.meta.exposure.nints, ramp.meta.exposure.ngroups) == (nints, ngroups)
                assert (ramp.meta.subarray.xsize, ramp.meta.subarray.ysize) == (nx, ny)
                assert len(ramp.group) == nints * ngroups
                assert len(ramp.int_times) == nints
                if ramp.meta.exposure.zero_frame:
                    assert ramp.zeroframe.shape == (nints, ny, nx)
                    # the first frame is read before the group average: below the first group
                    assert np.median(ramp.zeroframe[0]) <= np.median(ramp.data[0, 0])
                ramp.validate()


def test_references_open_with_their_models(generated):
    root, summary = generated
    classes = {
        "mask": dm.MaskModel, "saturation": dm.SaturationModel, "superbias": dm.SuperBiasModel,
        "linearity": dm.LinearityModel, "gain": dm.GainModel, "readnoise": dm.ReadnoiseModel,
        "ipc": dm.IPCModel, "reset": dm.ResetModel, "rscd": dm.RSCDModel, "emicorr": dm.EmiModel,
    }
    for rel, info in summary["crds"]["references"].items():
        if info["real"]:
            continue
        name = pathlib.Path(rel).name
        instrument, reftype = name.split("_")[1:3]
        cls = {"dark": dm.DarkMIRIModel if instrument == "miri" else dm.DarkModel}.get(reftype, classes.get(reftype))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with cls(str(root / "crds" / rel)) as model:
                assert model.meta.reftype.lower() == reftype
                assert model.meta.instrument.name == instrument.upper()
                if reftype not in ("emicorr", "rscd", "ipc"):
                    model.validate()


CRDS_SCRIPT = """
import json, sys, crds, stdatamodels.jwst.datamodels as dm
out = {}
for path in sys.argv[1:]:
    with dm.RampModel(path) as m:
        refs = crds.getreferences(m.get_crds_parameters(), observatory='jwst', reftypes=[
            'mask', 'saturation', 'superbias', 'linearity', 'dark', 'gain', 'readnoise', 'ipc', 'reset', 'rscd',
            'emicorr', 'refpix', 'sirskernel', 'pictureframe', 'flat', 'pastasoss'])
    out[path] = {k: (v if v.upper().startswith('NOT FOUND') else v.split('/')[-1]) for k, v in refs.items()}
print(json.dumps(out))
"""


def test_crds_selects_the_simulated_references_offline(generated):
    root, _ = generated
    env = dict(os.environ, CRDS_PATH=str(root / "crds"), CRDS_MODE="local",
               CRDS_SERVER_URL="https://jwst-serverless-mode.stsci.edu", CRDS_CONTEXT="jwst_0001.pmap")
    # a fresh interpreter: crds caches its configuration per process
    result = subprocess.run([sys.executable, "-c", CRDS_SCRIPT, *map(str, uncal_paths(root))],
                            check=True, capture_output=True, text=True, env=env)
    selections = json.loads(result.stdout)
    for path, refs in selections.items():
        instrument = dm.RampModel(path).meta.instrument.name.lower()
        for reftype in ("mask", "saturation", "linearity", "dark", "gain", "readnoise", "ipc"):
            assert refs[reftype].startswith(f"jwst_{instrument}_{reftype}_"), (path, reftype, refs[reftype])
        for reftype in ("refpix", "sirskernel", "pictureframe", "flat", "pastasoss"):
            assert "n/a" in refs[reftype].lower(), (path, reftype, refs[reftype])
        if instrument == "miri":
            assert refs["reset"].startswith("jwst_miri_reset_") and refs["rscd"].startswith("jwst_miri_rscd_")
            assert refs["emicorr"].endswith(".asdf")
            assert "n/a" in refs["superbias"].lower()
        else:
            assert refs["superbias"].startswith(f"jwst_{instrument}_superbias_")
            assert "n/a" in refs["reset"].lower()
        if "nrs1" in path:
            assert refs["dark"] == "jwst_nirspec_dark_0046.fits"
            assert refs["superbias"] == "jwst_nirspec_superbias_0075.fits"


def test_inputs_are_byte_identical_to_the_committed_ones(generated):
    """Same seeds -> the same bytes as when the golden truth was made (tests/golden/manifest.json)."""
    _, summary = generated
    manifest = json.loads((REPO / "tests" / "golden" / "manifest.json").read_text())
    for name, case in summary["cases"].items():
        for rel, digest in case["files"].items():
            inside = rel.split("/", 1)[1]  # "<case>/input/x" -> "input/x"
            assert manifest["cases"][name]["inputs"][inside] == digest, f"{name}: {inside}"
