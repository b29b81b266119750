"""jwst 3.0.0 side of bench/steps.mjs (not a test): the same uncal through jwst's near-IR steps,
each step called on the previous step's model with our simulated reference files as overrides,
offline (the mini CRDS cache in the manifest's directory). Prints one JSON line of each step's
best wall seconds over REPEAT passes.

    .venv/bin/python bench/steps.py target/bench/inputs.json GAINFACT PERSISTENCE_TIME REPEAT
"""

import glob
import json
import os
import sys
import time

# Offline CRDS against the mini cache simulated next to the manifest (jwst asks it for its context
# once a step has used a reference, even an override).
_crds = os.path.join(os.path.dirname(os.path.abspath(sys.argv[1])), "crds")
os.environ.update(
    {
        "CRDS_PATH": _crds,
        "CRDS_MODE": "local",
        "CRDS_SERVER_URL": "https://jwst-serverless-mode.stsci.edu",
        "CRDS_CONTEXT": os.path.basename(glob.glob(os.path.join(_crds, "mappings", "jwst", "*.pmap"))[0]),
        "STPIPE_DISABLE_CRDS_STEPPARS": "true",
    }
)

import stdatamodels.jwst.datamodels as dm  # noqa: E402
from jwst.charge_migration import ChargeMigrationStep  # noqa: E402
from jwst.dark_current import DarkCurrentStep  # noqa: E402
from jwst.dq_init import DQInitStep  # noqa: E402
from jwst.gain_scale import GainScaleStep  # noqa: E402
from jwst.jump import JumpStep  # noqa: E402
from jwst.linearity import LinearityStep  # noqa: E402
from jwst.persistence import PersistenceStep  # noqa: E402
from jwst.ramp_fitting import RampFitStep  # noqa: E402
from jwst.refpix import RefPixStep  # noqa: E402
from jwst.saturation import SaturationStep  # noqa: E402
from jwst.superbias import SuperBiasStep  # noqa: E402


def main(manifest, gain_factor, persistence_time, repeat):
    inputs = json.load(open(manifest))
    refs = inputs["references"]
    seconds = {}

    def timed(name, step, data, parameters=None, **overrides):
        t = time.perf_counter()
        result = step.call(data, **(parameters or {}), **{f"override_{k}": v for k, v in overrides.items()})
        seconds[name] = min(seconds.get(name, float("inf")), time.perf_counter() - t)
        return result

    for _ in range(repeat):
        model = dm.RampModel(inputs["uncal"])
        model = timed("dq_init", DQInitStep, model, mask=refs["mask"])
        model = timed("saturation", SaturationStep, model, saturation=refs["saturation"], superbias=refs["superbias"])
        model = timed("superbias", SuperBiasStep, model, superbias=refs["superbias"])
        model = timed("refpix", RefPixStep, model)
        model = timed("linearity", LinearityStep, model, linearity=refs["linearity"])
        model = timed("dark_current", DarkCurrentStep, model, dark=refs["dark"])
        model = timed("charge_migration", ChargeMigrationStep, model, {"skip": False})
        model = timed("jump", JumpStep, model, gain=refs["gain"], readnoise=refs["readnoise"])
        model = timed("persistence", PersistenceStep, model, {"skip": False, "persistence_time": persistence_time})
        rate, _ = timed("ramp_fit", RampFitStep, model, gain=refs["gain"], readnoise=refs["readnoise"])
        rate.meta.exposure.gain_factor = gain_factor
        timed("gain_scale", GainScaleStep, rate, gain=refs["gain"])
    print(json.dumps(seconds))


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
