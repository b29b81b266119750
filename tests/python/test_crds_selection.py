"""Our CRDS selector (ts/crds, through dist/) against crds itself, offline (CRDS_MODE=local):
the same file, or the same N/A / not-found outcome, for every reference type of every golden
case (the simulator's mini cache, headers from the uncal files), and for the hand-written rmaps
of tests/unit/crds/hand-cache (several USEAFTER rows, wildcards, merged rows, relevance
expressions, N/A leaves, a bad reference) over many headers given as FITS keywords or as
datamodel paths. Also checks our FITS keyword -> datamodel path table against the schema."""

import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parent.parent.parent
CASES = REPO / "tests" / "golden" / "cases.json"
REAL = REPO.parent / "shared" / "data" / "real"
HAND_CACHE = REPO / "tests" / "unit" / "crds" / "hand-cache"

DETECTOR1_REFTYPES = [
    "mask", "saturation", "superbias", "linearity", "dark", "gain", "readnoise", "ipc", "reset", "rscd",
    "emicorr", "refpix", "sirskernel", "pictureframe", "flat", "pastasoss", "persat", "trapdensity", "trappars",
    "pars-detector1pipeline", "pars-jumpstep", "pars-rampfitstep", "pars-darkcurrentstep",
]

CRDS_SCRIPT = r"""
import json, sys, crds
import stdatamodels.jwst.datamodels as dm
request = json.load(open(sys.argv[1]))
out = {}
for item in request["requests"]:
    if item.get("uncal"):
        with dm.RampModel(item["uncal"]) as model:
            parameters = model.get_crds_parameters()
    else:
        parameters = item["header"]
    results = {}
    for reftype in item["reftypes"]:
        # one type per call: crds raises for the whole call on a bad reference
        try:
            value = crds.getrecommendations(parameters, reftypes=[reftype], context=request["context"], observatory="jwst").get(reftype, "NOT FOUND n/a (omitted)")
        except Exception as exc:
            results[reftype] = {"status": "not-found", "file": None, "reason": str(exc)}
            continue
        if "N/A" in value.upper():  # stpipe crds_client: any N/A result is 'N/A'
            results[reftype] = {"status": "N/A", "file": None, "reason": value}
        elif value.upper().startswith("NOT FOUND"):
            results[reftype] = {"status": "not-found", "file": None, "reason": value}
        else:
            results[reftype] = {"status": "found", "file": value.split("/")[-1], "reason": None}
    out[item["id"]] = results
print(json.dumps(out))
"""


def crds_env(cache):
    return dict(os.environ, CRDS_PATH=str(cache), CRDS_MODE="local",
                CRDS_SERVER_URL="https://jwst-serverless-mode.stsci.edu",
                STPIPE_DISABLE_CRDS_STEPPARS="true")


def run_both(tmp_path, cache, context, requests):
    request_file = tmp_path / "request.json"
    request_file.write_text(json.dumps({"cache": str(cache), "context": context, "requests": requests}))
    ours = subprocess.run(["node", "tests/python/select_references.mjs", str(request_file)],
                          check=True, cwd=REPO, capture_output=True, text=True).stdout
    # a fresh interpreter: crds caches its configuration per process
    theirs = subprocess.run([sys.executable, "-c", CRDS_SCRIPT, str(request_file)],
                            check=True, capture_output=True, text=True, env=crds_env(cache)).stdout
    return json.loads(ours), json.loads(theirs.strip().splitlines()[-1])


def assert_same(ours, theirs):
    mismatches = []
    for key, by_type in theirs.items():
        for reftype, expected in by_type.items():
            got = ours[key][reftype]
            if (got["status"], got["file"]) != (expected["status"], expected["file"]):
                mismatches.append(f"{key} {reftype}: ours {got}, crds {expected}")
    assert not mismatches, "\n".join(mismatches)


@pytest.fixture(scope="module")
def golden(tmp_path_factory):
    out = tmp_path_factory.mktemp("golden-crds")
    subprocess.run(
        ["node", "scripts/golden-inputs.mjs", "--cases", str(CASES), "--out", str(out / "cases"),
         "--crds", str(out / "crds"), "--real-dir", str(REAL)],
        check=True, cwd=REPO, capture_output=True, text=True,
    )
    return out


def test_golden_cases_select_what_crds_selects(golden, tmp_path):
    uncals = sorted((golden / "cases").glob("*/input/*_uncal.fits"))
    assert len(uncals) >= 4
    requests = [{"id": path.parent.parent.name, "uncal": str(path), "reftypes": DETECTOR1_REFTYPES} for path in uncals]
    ours, theirs = run_both(tmp_path, golden / "crds", "jwst_0001.pmap", requests)
    assert_same(ours, theirs)
    found = sum(r["status"] == "found" for by_type in ours.values() for r in by_type.values())
    assert found >= 8 * len(uncals)


def hand_headers():
    base = {"INSTRUME": "NIRCAM", "DETECTOR": "NRCA1", "EXP_TYPE": "NRC_IMAGE", "SUBARRAY": "FULL",
            "NOUTPUTS": 4, "READPATT": "RAPID", "DATE-OBS": "2023-08-01", "TIME-OBS": "10:00:00.000"}
    variants = {
        "exact": {},
        "first-date": {"DATE-OBS": "2022-01-01", "TIME-OBS": "00:00:00"},
        "just-before": {"DATE-OBS": "2023-05-31", "TIME-OBS": "23:59:59.999"},
        "later": {"DATE-OBS": "2024-02-01"},
        "bad-reference": {"DATE-OBS": "2024-05-01"},
        "too-early-falls-back": {"DATE-OBS": "2021-06-01"},
        "too-early-for-all": {"DATE-OBS": "2020-01-01", "EXP_TYPE": "NRC_TSIMAGE"},
        "wildcard-subarray": {"SUBARRAY": "SUB64P"},
        "wildcard-subarray-1-output": {"SUBARRAY": "SUB64P", "NOUTPUTS": 1, "DATE-OBS": "2025-02-01"},
        "generic-na-leaf": {"DETECTOR": "NRCB1", "NOUTPUTS": 1, "SUBARRAY": "SUB640"},
        "unknown-detector": {"DETECTOR": "NRCA5"},
        "irrelevant-exp-type": {"EXP_TYPE": "NRC_CORON"},
        "tso": {"EXP_TYPE": "NRC_TSIMAGE", "SUBARRAY": "SUB64P", "DATE-OBS": "2022-07-01"},
        "lower-case-values": {"DETECTOR": "nrca1", "SUBARRAY": "full", "NOUTPUTS": "4"},
        "iso-t-date": {"DATE-OBS": "2023-06-01", "TIME-OBS": "00:00:00.5"},
        "no-time": {"TIME-OBS": None},
    }
    headers = {}
    for name, changes in variants.items():
        header = {**base, **changes}
        headers[name] = {k: v for k, v in header.items() if v is not None}
    # the same header as datamodel paths, as stpipe passes model.get_crds_parameters()
    headers["datamodel-paths"] = {
        "meta.instrument.name": "NIRCAM", "meta.instrument.detector": "NRCA1", "meta.exposure.type": "NRC_IMAGE",
        "meta.subarray.name": "FULL", "meta.exposure.noutputs": 4, "meta.exposure.readpatt": "RAPID",
        "meta.observation.date": "2023-08-01", "meta.observation.time": "10:00:00.000",
    }
    return headers


def test_hand_written_rmaps_select_what_crds_selects(tmp_path):
    cache = tmp_path / "cache"
    shutil.copytree(HAND_CACHE, cache)  # crds updates its config in the cache
    reftypes = ["dark", "gain", "ipc", "rscd", "pars-jumpstep", "pars-detector1pipeline", "pars-rampfitstep", "pars-darkcurrentstep"]
    requests = [{"id": name, "header": header, "reftypes": reftypes} for name, header in hand_headers().items()]
    # linearity is left out where both its rows tie (SUBARRAY != FULL): crds returns a tuple of names there
    for name, header in hand_headers().items():
        if header.get("SUBARRAY", "FULL").upper() == "FULL" and "meta.subarray.name" not in header:
            requests.append({"id": f"{name}/linearity", "header": header, "reftypes": ["linearity"]})
    ours, theirs = run_both(tmp_path, cache, "jwst_0001.pmap", requests)
    assert_same(ours, theirs)
    statuses = {r["status"] for by_type in ours.values() for r in by_type.values()}
    assert statuses == {"found", "N/A", "not-found"}
    files = {r["file"] for by_type in ours.values() for r in by_type.values()}
    assert {"jwst_nircam_dark_0001.fits", "jwst_nircam_dark_0002.fits", "jwst_nircam_dark_0010.fits",
            "jwst_nircam_gain_0002.fits", "jwst_nircam_gain_0004.fits"} <= files


TABLE_SCRIPT = """
import {{ FITS_TO_DATAMODEL }} from '{dist}/crds/index.js';
console.log(JSON.stringify(Object.fromEntries(FITS_TO_DATAMODEL)));
"""


def test_fits_keyword_table_matches_the_datamodel_schema(tmp_path):
    from stdatamodels.jwst import datamodels as dm

    script = tmp_path / "table.mjs"
    script.write_text(TABLE_SCRIPT.format(dist=(REPO / "dist").as_posix()))
    table = json.loads(subprocess.run(["node", str(script)], check=True, capture_output=True, text=True).stdout)
    assert len(table) >= 30
    model = dm.RampModel()
    wrong = {}
    for keyword, path in table.items():
        found = [p.upper() for p in model.find_fits_keyword(keyword, return_result=True)]
        if path not in found:
            wrong[keyword] = (path, found)
    assert not wrong, wrong


STPIPE_PARS_SCRIPT = r"""
import json, sys
from jwst.pipeline import Detector1Pipeline
out = {}
for case_id, header in json.load(open(sys.argv[1])).items():
    # what Step.call / strun merge from CRDS before the user's file and options
    config = Detector1Pipeline.get_config_from_reference(header, disable=False, crds_observatory="jwst")
    config.pop("class", None)
    name = config.pop("name", None)
    pipeline = Detector1Pipeline.from_config_section(config, name=name)
    pars = pipeline.get_pars()
    out[case_id] = {"pipeline": {k: v for k, v in pars.items() if k != "steps"}, "steps": pars["steps"]}
print(json.dumps(out, default=str))
"""


def test_crds_parameter_references_resolve_as_stpipe_resolves_them(tmp_path):
    cache = tmp_path / "cache"
    shutil.copytree(HAND_CACHE, cache)
    base = {"INSTRUME": "NIRCAM", "DETECTOR": "NRCA1", "EXP_TYPE": "NRC_IMAGE", "SUBARRAY": "FULL",
            "DATE-OBS": "2022-08-01", "TIME-OBS": "10:00:00", "TSOVISIT": False}
    headers = {
        "plain": base,
        "tso-later": {**base, "TSOVISIT": True, "DATE-OBS": "2023-02-01"},
        "coronagraphy": {**base, "EXP_TYPE": "NRC_CORON"},
    }
    headers_file = tmp_path / "headers.json"
    headers_file.write_text(json.dumps(headers))
    ours = node_json(["tests/python/resolve_parameters.mjs", "crds", str(cache), str(headers_file)])
    theirs = subprocess.run([sys.executable, "-c", STPIPE_PARS_SCRIPT, str(headers_file)], check=True,
                            capture_output=True, text=True, env=crds_env(cache)).stdout
    theirs = json.loads(theirs.strip().splitlines()[-1])
    problems = []
    for case_id, expected in theirs.items():
        for key, value in expected["pipeline"].items():
            if key not in ("class", "name", "input_dir") and ours[case_id]["pipeline"][key] != value:
                problems.append(f"{case_id} pipeline.{key}: ours {ours[case_id]['pipeline'][key]!r}, stpipe {value!r}")
        for alias, pars in expected["steps"].items():
            for key, value in pars.items():
                if key in ("class", "name", "config_file", "input_dir"):
                    continue
                if ours[case_id]["steps"][alias][key] != value:
                    problems.append(f"{case_id} {alias}.{key}: ours {ours[case_id]['steps'][alias][key]!r}, stpipe {value!r}")
    assert not problems, "\n".join(problems)
    assert ours["tso-later"]["steps"]["jump"]["rejection_threshold"] == 9
    assert ours["plain"]["steps"]["jump"]["rejection_threshold"] == 5


def node_json(args):
    return json.loads(subprocess.run(["node", *args], check=True, cwd=REPO, capture_output=True, text=True).stdout)
