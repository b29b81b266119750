"""Our charge_migration and persistence steps (both skipped by Detector1's defaults, so absent
from the golden truth) against jwst 3.0.0's ChargeMigrationStep and PersistenceStep run directly
on the same simulated ramp (NIRCam SUB160, saturating stars, after our dq_init ... dark_current):
GROUPDQ, PIXELDQ and SCI bit for bit, the same status, and for persistence the saved window
array. The persistence case with a window array from an earlier exposure is also run by us on
slices of the integrations (carrying the state), which must equal jwst's whole-exposure run."""

import json
import os
import pathlib
import subprocess

import asdf
import numpy as np
import pytest

import stdatamodels.jwst.datamodels as dm

HERE = pathlib.Path(__file__).parent
REPO = HERE.parent.parent


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    out = tmp_path_factory.mktemp("nir_flags")
    subprocess.run(["node", str(HERE / "nir_flag_steps.mjs"), str(out)], check=True, cwd=REPO)
    return out


def cases(out):
    return json.loads((out / "cases.json").read_text())


def run_jwst(out, name, spec):
    """jwst's step on input_ramp.fits with the case's parameters (offline, no CRDS parameter files)."""
    os.environ["STPIPE_DISABLE_CRDS_STEPPARS"] = "true"
    from jwst.charge_migration import ChargeMigrationStep
    from jwst.persistence import PersistenceStep

    model = dm.RampModel(out / "input_ramp.fits")
    o = spec["options"]
    if spec["step"] == "charge_migration":
        kwargs = {"signal_threshold": o["signalThreshold"]} if "signalThreshold" in o else {}
        return ChargeMigrationStep.call(model, skip=False, **kwargs), None
    saved = out / f"jwst_{name}_array.asdf"
    kwargs = {
        "persistence_time": o["persistenceTime"],
        "dn_threshold": o.get("dnThreshold"),
        "persistence_dnu": o.get("persistenceDnu", False),
        "save_persistence": str(saved),
    }
    if spec.get("array"):
        # written by our encodePersistenceArrayFile
        kwargs["persistence_array_file"] = str(out / "persistence_array.asdf")
    return PersistenceStep.call(model, skip=False, **kwargs), saved


def compare(ours_path, truth, status_key):
    with dm.RampModel(ours_path) as ours:
        np.testing.assert_array_equal(ours.groupdq, truth.groupdq)
        np.testing.assert_array_equal(ours.pixeldq, truth.pixeldq)
        np.testing.assert_array_equal(ours.data.view(np.uint32), truth.data.view(np.uint32))
        assert getattr(ours.meta.cal_step, status_key) == getattr(truth.meta.cal_step, status_key) == "COMPLETE"


@pytest.mark.parametrize(
    "name",
    ["chgmig_default", "chgmig_10000", "persistence_sat", "persistence_short_dn", "persistence_all", "persistence_other_time"],
)
def test_flag_step_equals_jwst(files, name):
    spec = cases(files)[name]
    truth, saved = run_jwst(files, name, spec)
    before = dm.RampModel(files / "input_ramp.fits").groupdq
    flag = 128 if spec["step"] == "charge_migration" else 32
    # the case exercises what it claims to: the step sets its flag somewhere
    assert np.count_nonzero((truth.groupdq & flag) & ~before) > 0
    compare(files / f"ours_{name}.fits", truth, spec["step"])
    if spec.get("slices"):
        compare(files / f"ours_{name}_sliced.fits", truth, spec["step"])
    if saved is not None:
        detector = truth.meta.instrument.detector
        # our saved array file (asdf reads it) equals jwst's, and our reader reads jwst's
        script = (
            "import { readFileSync } from 'node:fs';"
            "import { decodePersistenceArrayFile } from './dist/entrypoints/node.js';"
            "process.stdout.write(JSON.stringify(decodePersistenceArrayFile(readFileSync(process.argv[1]))));"
        )
        decoded = subprocess.run(
            ["node", "--input-type=module", "-e", script, str(saved)], check=True, cwd=REPO, capture_output=True, text=True
        )
        ours_read = json.loads(decoded.stdout)[detector]
        with asdf.open(saved) as af, asdf.open(files / f"ours_{name}_array.asdf") as ours_af:
            entry, ours = af.tree[detector], ours_af.tree[detector]
            for key in ("rows", "cols", "vals"):
                truth_values = np.asarray(entry[key])
                assert np.asarray(ours[key]).dtype == truth_values.dtype
                np.testing.assert_array_equal(np.asarray(ours[key]).view(np.uint64), truth_values.view(np.uint64))
                np.testing.assert_array_equal(np.array(ours_read[key], dtype=truth_values.dtype), truth_values)
            assert ours["pers_time"] == entry["pers_time"] == ours_read["persTime"]
            assert ours["filename"] == entry["filename"] == ours_read["filename"]
