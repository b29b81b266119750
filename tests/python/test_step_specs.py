"""ts/pipeline/step-specs.ts against the jwst classes in the venv (so the table cannot drift): step
aliases in Detector1Pipeline.step_defs order, class names and import paths, each class's own
`spec` lines, `reference_file_types`, and the merged specs stpipe builds (common parameters,
override_<reftype>, the pipeline's steps sections). Then ts/pipeline/parameters.ts against
stpipe itself: the same command lines and parameter files resolved by strun's own code path
(`_build_step_from_args`, no input so no CRDS) give the same values, or both refuse them."""

import json
import math
import pathlib
import subprocess
import textwrap

import pytest
from configobj import ConfigObj

from jwst.pipeline import Detector1Pipeline
from stpipe import _cmdline

REPO = pathlib.Path(__file__).resolve().parent.parent.parent


def node(*args):
    return json.loads(subprocess.run(["node", "tests/python/resolve_parameters.mjs", *args],
                                     check=True, cwd=REPO, capture_output=True, text=True).stdout)


@pytest.fixture(scope="module")
def tables():
    return node("specs")


def own_spec(cls):
    """A class's own spec lines, name -> check text, as configobj reads them (comments dropped)."""
    if "spec" not in cls.__dict__:
        return {}
    return dict(ConfigObj(textwrap.dedent(cls.spec.strip()).split("\n"), list_values=False))


def test_step_table_matches_the_jwst_classes(tables):
    steps = tables["steps"]
    assert list(steps) == list(Detector1Pipeline.step_defs)
    for alias, cls in Detector1Pipeline.step_defs.items():
        ours = steps[alias]
        assert ours["className"] == cls.__name__, alias
        assert ours["pythonClass"] == f"{cls.__module__}.{cls.__name__}", alias
        assert cls.class_alias == alias
        assert ours["reftypes"] == list(cls.reference_file_types), alias
        assert ours["parameters"] == own_spec(cls), alias
        merged = {k: v for k, v in cls.load_spec_file().items()}
        assert ours["merged"] == merged, alias


def test_pipeline_table_matches_detector1pipeline(tables):
    pipeline = tables["pipeline"]
    assert pipeline["className"] == "Detector1Pipeline"
    assert pipeline["alias"] == Detector1Pipeline.class_alias
    assert pipeline["pythonClass"] == f"{Detector1Pipeline.__module__}.Detector1Pipeline"
    assert pipeline["parameters"] == own_spec(Detector1Pipeline)
    spec = Detector1Pipeline.load_spec_file()
    assert pipeline["merged"] == {k: v for k, v in spec.items() if k != "steps"}
    for alias, section in spec["steps"].items():
        assert {**tables["steps"][alias]["merged"], **tables["stepSection"]} == dict(section), alias


# Step.input_dir is a property that reads '' when unset (the parameter itself defaults to None)
RUNTIME_PROPERTIES = {"class", "name", "steps", "config_file", "input_dir"}


def stpipe_parameters(args):
    """What strun would configure for `strun <args>` without an input file (so without CRDS)."""
    step_class, config, name, config_file, parser, known = _cmdline._config_and_class_from_cmdline(args)
    step, _ = _cmdline._build_step_from_args(step_class, config, name, config_file, parser, known, args)
    pars = step.get_pars()
    steps = pars.pop("steps")
    return {"pipeline": pars, "steps": steps}


def same_value(ours, theirs):
    if isinstance(theirs, float) and not math.isfinite(theirs):  # JSON carries them as strings
        return ours == str(theirs).replace("inf", "Infinity").replace("nan", "NaN")
    if isinstance(theirs, (list, tuple)):
        return isinstance(ours, list) and len(ours) == len(theirs) and all(map(same_value, ours, theirs))
    return ours == theirs and (theirs is None) == (ours is None)


PAR_FILE = """#ASDF 1.0.0
#ASDF_STANDARD 1.5.0
%YAML 1.1
%TAG ! tag:stsci.edu:asdf/
--- !core/asdf-1.1.0
class: jwst.pipeline.calwebb_detector1.Detector1Pipeline
name: calwebb_detector1
parameters:
  save_calibrated_ramp: true
steps:
- class: jwst.jump.jump_step.JumpStep
  name: jump
  parameters: {rejection_threshold: 6.0, flag_4_neighbors: no, maximum_cores: half, sat_expand: 3}
- class: jwst.ramp_fitting.ramp_fit_step.RampFitStep
  name: ramp_fit
  parameters: {firstgroup: 1, algorithm: LIKELY}
- class: jwst.emicorr.emicorr_step.EmiCorrStep
  name: emicorr
  parameters: {onthefly_corr_freq: [218.3, 164.9], skip: false}
...
"""

CFG_FILE = """name = calwebb_detector1
class = jwst.pipeline.Detector1Pipeline
save_calibrated_ramp = yes
[steps]
  [[jump]]
    rejection_threshold = 5.5
    maximum_cores = 'quarter'
  [[clean_flicker_noise]]
    background_box_size = 16, 32
"""

CASES = {
    "defaults": {"args": []},
    "booleans": {"args": ["--save_calibrated_ramp=YES", "--steps.ipc.skip=on", "--steps.ramp_fit.save_opt=0",
                          "--steps.jump.flag_4_neighbors", "False"]},
    "numbers": {"args": ["--steps.jump.rejection_threshold=1e1", "--steps.ramp_fit.firstgroup=+2",
                         "--steps.refpix.side_gain=-0.5", "--steps.charge_migration.signal_threshold=inf"]},
    "options-lists": {"args": ["--steps.ramp_fit.algorithm=LIKELY", "--steps.emicorr.onthefly_corr_freq=218.3, 164.9,",
                               "--steps.clean_flicker_noise.background_box_size=8,8",
                               "--steps.clean_flicker_noise.background_method=None"]},
    "strings-overrides": {"args": ["--steps.jump.maximum_cores=all", "--steps.dark_current.override_dark=my_dark.fits",
                                   "--steps.dq_init.override_mask=N/A", "--output_dir=out", "--steps.ramp_fit.opt_name="]},
    "asdf-file": {"file": "pars.asdf", "args": ["--steps.jump.rejection_threshold=7"]},
    "cfg-file": {"file": "pars.cfg"},
    "bad-integer": {"args": ["--steps.ramp_fit.firstgroup=2.0"]},
    "below-min": {"args": ["--steps.jump.rejection_threshold=-1"]},
    "bad-option": {"args": ["--steps.ramp_fit.algorithm=OLS"]},
    "bad-boolean": {"args": ["--steps.ramp_fit.save_opt=maybe"]},
    "list-too-long": {"args": ["--steps.clean_flicker_noise.background_box_size=8,8,8"]},
    "list-for-string": {"args": ["--steps.jump.maximum_cores=1,2"]},
    "none-string-for-integer": {"args": ["--steps.ramp_fit.firstgroup=None"]},
    "asdf-float-for-integer": {"file": "bad.asdf"},
    "asdf-number-for-string": {"file": "number.asdf"},
    "legacy-asdf": {"file": "legacy.asdf"},
}

LEGACY_FILE = """#ASDF 1.0.0
#ASDF_STANDARD 1.5.0
%YAML 1.1
%TAG ! tag:stsci.edu:asdf/
--- !core/asdf-1.1.0
parameters:
  class: jwst.pipeline.Detector1Pipeline
  name: calwebb_detector1
  save_calibrated_ramp: true
  steps:
    jump: {rejection_threshold: 7.5, maximum_cores: all}
    ipc: {skip: true}
...
"""


def test_parameters_resolve_as_strun_resolves_them(tmp_path):
    (tmp_path / "pars.asdf").write_text(PAR_FILE)
    (tmp_path / "pars.cfg").write_text(CFG_FILE)
    (tmp_path / "bad.asdf").write_text(PAR_FILE.replace("firstgroup: 1", "firstgroup: 1.0"))
    (tmp_path / "number.asdf").write_text(PAR_FILE.replace("maximum_cores: half", "maximum_cores: 4"))
    (tmp_path / "legacy.asdf").write_text(LEGACY_FILE)
    requests = []
    for case_id, case in CASES.items():
        request = {"id": case_id, "args": case.get("args", [])}
        if "file" in case:
            request["file"] = str(tmp_path / case["file"])
        requests.append(request)
    (tmp_path / "cases.json").write_text(json.dumps(requests))
    ours = node("cases", str(tmp_path / "cases.json"))
    problems = []
    for request in requests:
        case_id = request["id"]
        target = request.get("file", "calwebb_detector1")
        try:
            theirs = stpipe_parameters([target, *request["args"]])
        except (ValueError, SystemExit) as exc:
            if ours[case_id]["ok"]:
                problems.append(f"{case_id}: stpipe refuses ({exc}), we accept")
            continue
        if not ours[case_id]["ok"]:
            problems.append(f"{case_id}: we refuse ({ours[case_id]['error']}), stpipe accepts")
            continue
        mine = ours[case_id]["parameters"]
        for key, value in theirs["pipeline"].items():
            if key in RUNTIME_PROPERTIES:
                continue
            if not same_value(mine["pipeline"].get(key, "<missing>"), value):
                problems.append(f"{case_id}: pipeline.{key} ours {mine['pipeline'].get(key)!r} stpipe {value!r}")
        for alias, pars in theirs["steps"].items():
            for key, value in pars.items():
                if key in RUNTIME_PROPERTIES:
                    continue
                got = mine["steps"][alias].get(key, "<missing>")
                if not same_value(got, value):
                    problems.append(f"{case_id}: steps.{alias}.{key} ours {got!r} stpipe {value!r}")
    assert not problems, "\n".join(problems)
    # the error cases really are refused by us, with the step and parameter named
    assert "step ramp_fit: parameter 'firstgroup'" in ours["bad-integer"]["error"]
    assert "rejection_threshold" in ours["below-min"]["error"]
    assert not ours["asdf-number-for-string"]["ok"]
    assert ours["legacy-asdf"]["parameters"]["steps"]["jump"]["rejection_threshold"] == 7.5
