#!/usr/bin/env python
"""Golden truth from STScI's pipeline.

Runs jwst's Detector1Pipeline (pinned jwst/stcal/stdatamodels, tests/python/requirements.txt)
offline against the mini CRDS cache that scripts/golden-inputs.mjs generates, on the simulated
cases of tests/golden/cases.json, and keeps the product of every step (as jwst's regression tests
do) plus these variants, run standalone on the pipeline's own intermediate products:

  jump_large_events   JumpStep with expand_large_events (NIR snowballs) and find_showers (MIRI)
                      on the ramp that entered jump
  ramp_fit_save_opt   RampFitStep with save_opt (the _fitopt product) on the ramp after jump
  ramp_fit_likely     RampFitStep with algorithm='LIKELY' and save_opt (_likely_chisq)

Products whose arrays equal an earlier product's (e.g. _ramp and _jump, _gain_scale and _rate
when gain_scale is skipped) are recorded as aliases instead of being stored twice.

  --update   (make golden) writes tests/golden/<case>/truth/ and tests/golden/manifest.json
  --check    (make test) regenerates everything in a temporary directory and requires that the
             inputs are byte-identical to the manifest's and every truth array reproduces within
             the manifest's tolerance (bit-identical expected; see TOLERANCE)

Environment: CRDS_PATH=<cache>, CRDS_MODE=local, CRDS_SERVER_URL=https://jwst-serverless-mode.stsci.edu
(crds makes no network call when the server URL contains "serverless"), CRDS_CONTEXT=<the
cache's pmap>, STPIPE_DISABLE_CRDS_STEPPARS=true (no pars-* parameter references: every step
runs with its class defaults). Set here before jwst is imported.
"""

import argparse
import hashlib
import json
import os
import pathlib
import platform
import shutil
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent

# Reproduction tolerance. Regenerating on the same machine gives bit-identical arrays (checked and
# reported). The slack only covers other CPUs: numpy dispatches float32/float64 loops (exp/log,
# some reductions) to SIMD kernels chosen at run time (AVX2 vs AVX-512...), which can change the
# last bits of jump/ramp-fit intermediate values. Flags must match exactly.
TOLERANCE = {
    "float": {"rtol": 1e-5, "atol": 1e-4},
    "integer": "exact",
    "reason": (
        "bit-identical on the machine that generated the truth (verified by --check, which reports "
        "whether every array is identical); the float slack covers numpy's CPU-dispatched SIMD loops "
        "on other machines. DQ arrays must match exactly."
    ),
}

VARIANTS = ("jump_large_events", "ramp_fit_save_opt", "ramp_fit_likely")

# jwst's own log configuration (INFO, parameter dumps) only with --verbose; otherwise warnings only.
LOG_JWST = False


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def configure_crds(crds_root):
    """Offline CRDS (local mode) on the generated cache; no parameter references."""
    crds_root = pathlib.Path(crds_root).resolve()
    pmaps = sorted((crds_root / "mappings" / "jwst").glob("jwst_*.pmap"))
    if not pmaps:
        sys.exit(f"run_jwst: no .pmap under {crds_root}/mappings/jwst (run scripts/golden-inputs.mjs first)")
    env = {
        "CRDS_PATH": str(crds_root),
        "CRDS_MODE": "local",
        "CRDS_SERVER_URL": "https://jwst-serverless-mode.stsci.edu",
        "CRDS_CONTEXT": pmaps[-1].name,
        "STPIPE_DISABLE_CRDS_STEPPARS": "true",
    }
    os.environ.update(env)
    return {key: (value if key != "CRDS_PATH" else "<generated cache>") for key, value in env.items()}


def versions():
    import astropy
    import crds
    import jwst
    import numpy
    import stcal
    import stdatamodels
    import stpipe

    return {
        "jwst": jwst.__version__,
        "stcal": stcal.__version__,
        "stdatamodels": stdatamodels.__version__,
        "stpipe": stpipe.__version__,
        "crds": crds.__version__,
        "numpy": numpy.__version__,
        "astropy": astropy.__version__,
        "python": platform.python_version(),
    }


def array_hashes(path):
    """SHA-256 of every data array (FITS byte order, as stored) by EXTNAME, ASDF excluded."""
    from astropy.io import fits

    import numpy as np

    hashes = {}
    with fits.open(path, memmap=False, do_not_scale_image_data=True) as hdul:
        for index, hdu in enumerate(hdul):
            name = hdu.name or f"HDU{index}"
            if name == "ASDF" or hdu.data is None:
                continue
            hashes[name] = hashlib.sha256(np.asarray(hdu.data).tobytes()).hexdigest()
    return hashes


def status_keywords(path):
    """S_* step statuses and R_* reference names (basenames) of a product."""
    from astropy.io import fits

    header = fits.getheader(path)
    out = {}
    for key, value in header.items():
        if key.startswith("S_") or key.startswith("R_"):
            out[key] = os.path.basename(str(value)) if key.startswith("R_") else value
    return out


# ---- running jwst ----

def run_pipeline(uncal, outdir, save_steps=True):
    from jwst.pipeline import Detector1Pipeline

    steps = {name: {"save_results": True} for name in Detector1Pipeline.step_defs} if save_steps else {}
    Detector1Pipeline.call(
        str(uncal), output_dir=str(outdir), save_results=True, save_calibrated_ramp=True, steps=steps, configure_log=LOG_JWST
    )


def pipeline_order(instrument):
    """Step aliases in Detector1Pipeline order for this instrument (pipeline.md §1)."""
    head = ["group_scale", "dq_init"]
    if instrument == "MIRI":
        body = ["emicorr", "saturation", "ipc", "firstframe", "lastframe", "reset", "linearity", "rscd", "dark_current", "refpix"]
    else:
        body = ["saturation", "ipc", "superbias", "refpix", "linearity", "dark_current"]
    tail = ["charge_migration", "jump", "picture_frame", "clean_flicker_noise", "persistence"]
    return head + body + tail


def run_variants(stem, pipeline_dir, work, instrument):
    from jwst.jump import JumpStep
    from jwst.ramp_fitting import RampFitStep

    order = pipeline_order(instrument)
    before_jump = [s for s in order[: order.index("jump")] if (pipeline_dir / f"{stem}_{s}.fits").exists()][-1]
    jump_input = pipeline_dir / f"{stem}_{before_jump}.fits"
    jump_output = pipeline_dir / f"{stem}_jump.fits"
    out = {}
    d = work / "jump_large_events"
    d.mkdir()
    JumpStep.call(str(jump_input), expand_large_events=True, find_showers=True, output_dir=str(d), save_results=True, configure_log=LOG_JWST)
    out["jump_large_events"] = {"input": jump_input, "dir": d, "step": "jump"}
    d = work / "ramp_fit_save_opt"
    d.mkdir()
    RampFitStep.call(str(jump_output), save_opt=True, output_dir=str(d), save_results=True, configure_log=LOG_JWST)
    out["ramp_fit_save_opt"] = {"input": jump_output, "dir": d, "step": "ramp_fit"}
    d = work / "ramp_fit_likely"
    d.mkdir()
    RampFitStep.call(str(jump_output), algorithm="LIKELY", save_opt=True, output_dir=str(d), save_results=True, configure_log=LOG_JWST)
    out["ramp_fit_likely"] = {"input": jump_output, "dir": d, "step": "ramp_fit"}
    return out


def collect(case, stem, instrument, work, variants):
    """Products of one case in a stable order, with their inputs (previous product) and roles."""
    order = pipeline_order(instrument)
    pipeline_dir = work / "pipeline"
    products = []
    previous = f"input/{stem}_uncal.fits"
    for step in order:
        path = pipeline_dir / f"{stem}_{step}.fits"
        if path.exists():
            products.append({"variant": "pipeline", "step": step, "path": path, "input": previous})
            previous = f"truth/pipeline/{path.name}"
    jump_product = f"truth/pipeline/{stem}_jump.fits"
    # canonical fitted products first, so that the ramp_fit/gain_scale copies become their aliases
    for suffix, step in (("rate", "ramp_fit"), ("rateints", "ramp_fit"), ("ramp", "save_calibrated_ramp"),
                         ("0_ramp_fit", "ramp_fit"), ("1_ramp_fit", "ramp_fit"),
                         ("gain_scale", "gain_scale"), ("gain_scaleints", "gain_scale")):
        path = pipeline_dir / f"{stem}_{suffix}.fits"
        if path.exists():
            source = jump_product if step != "gain_scale" else f"truth/pipeline/{stem}_{'rate' if suffix == 'gain_scale' else 'rateints'}.fits"
            products.append({"variant": "pipeline", "step": step, "path": path, "input": source, "suffix": suffix})
    for variant, info in variants.items():
        for path in sorted(info["dir"].glob("*.fits")):
            rel_input = f"truth/pipeline/{info['input'].name}"
            products.append({"variant": variant, "step": info["step"], "path": path, "input": rel_input})
    for p in products:
        p["file"] = f"truth/{p['variant']}/{p['path'].name}"
    return products


def generate(cases, inputs_root, work_root, names):
    """Runs jwst on every case; returns {case: {stem, instrument, products, seconds}}."""
    import stdatamodels.jwst.datamodels as dm

    results = {}
    for name in names:
        case_inputs = inputs_root / name / "input"
        uncals = sorted(case_inputs.glob("*_uncal.fits"))
        if len(uncals) != 1:
            sys.exit(f"run_jwst: expected one _uncal.fits in {case_inputs}, found {len(uncals)}")
        uncal = uncals[0]
        stem = uncal.name[: -len("_uncal.fits")]
        with dm.RampModel(str(uncal)) as model:  # also proves the uncal opens as a RampModel
            instrument = model.meta.instrument.name
        work = work_root / name
        (work / "pipeline").mkdir(parents=True)
        started = time.perf_counter()
        run_pipeline(uncal, work / "pipeline")
        variants = run_variants(stem, work / "pipeline", work, instrument)
        results[name] = {
            "stem": stem,
            "instrument": instrument,
            "products": collect(name, stem, instrument, work, variants),
            "seconds": round(time.perf_counter() - started, 2),
        }
        print(f"run_jwst: {name}: {len(results[name]['products'])} products in {results[name]['seconds']} s", file=sys.stderr)
    return results


# ---- comparing ----

def compare_arrays(truth_path, new_path):
    """(identical, problems, stats) comparing every non-ASDF array of two FITS files."""
    import numpy as np
    from astropy.io import fits

    problems = []
    identical = True
    stats = {}
    with fits.open(truth_path) as a, fits.open(new_path) as b:
        names_a = [h.name for h in a if h.name != "ASDF" and h.data is not None]
        names_b = [h.name for h in b if h.name != "ASDF" and h.data is not None]
        if names_a != names_b:
            return False, [f"extensions differ: {names_a} vs {names_b}"], stats
        for name in names_a:
            x, y = a[name].data, b[name].data
            if hasattr(x, "columns"):  # tables: compare as records
                if np.asarray(x).tobytes() != np.asarray(y).tobytes():
                    identical = False
                    problems.append(f"{name}: table differs")
                continue
            if x.shape != y.shape:
                return False, [f"{name}: shape {x.shape} vs {y.shape}"], stats
            if x.tobytes() == y.tobytes():
                continue
            identical = False
            if np.issubdtype(x.dtype, np.floating):
                xf, yf = x.astype(np.float64), y.astype(np.float64)
                both_nan = np.isnan(xf) & np.isnan(yf)
                diff = np.where(both_nan, 0.0, np.abs(xf - yf))
                limit = TOLERANCE["float"]["atol"] + TOLERANCE["float"]["rtol"] * np.abs(xf)
                bad = ~(diff <= limit)  # NaN vs number is bad
                stats[name] = {"max_abs": float(np.nanmax(diff)), "outside": int(bad.sum())}
                if bad.any():
                    problems.append(f"{name}: {int(bad.sum())} values outside tolerance (max |diff| {np.nanmax(diff):.3g})")
            else:
                n = int((x != y).sum())
                problems.append(f"{name}: {n} integer values differ")
    return identical, problems, stats


def same_values_as_uncal(uncal, product):
    """A skipped group_scale product must be the uncal as a RampModel: same SCI values, zero flags."""
    import numpy as np
    from astropy.io import fits

    problems = []
    with fits.open(uncal) as a, fits.open(product) as b:
        if not np.array_equal(a["SCI"].data.astype(np.float32), b["SCI"].data):
            problems.append("SCI differs from the uncal's")
        for name in ("PIXELDQ", "GROUPDQ"):
            if np.any(b[name].data):
                problems.append(f"{name} is not zero")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", default=str(HERE / "cases.json"))
    parser.add_argument("--golden", default=str(HERE), help="committed golden directory (truth + manifest)")
    parser.add_argument("--inputs", default=None, help="directory holding <case>/input/ (default: --golden)")
    parser.add_argument("--crds", required=True, help="the mini CRDS cache written by scripts/golden-inputs.mjs")
    parser.add_argument("--case", action="append", help="only these cases (default: all)")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--update", action="store_true")
    mode.add_argument("--check", action="store_true")
    mode.add_argument("--run", metavar="DIR", help="only run the pipeline on each case, products in DIR/<case>/")
    parser.add_argument("--keep", help="keep the regenerated products in this directory")
    parser.add_argument("--verbose", action="store_true", help="jwst's INFO log")
    args = parser.parse_args()
    global LOG_JWST
    LOG_JWST = args.verbose
    if not args.verbose:
        import logging
        import warnings

        logging.basicConfig(level=logging.WARNING, format="%(name)s %(levelname)s: %(message)s")
        warnings.filterwarnings("ignore", category=RuntimeWarning)  # numpy all-NaN slices in jwst

    environment = configure_crds(args.crds)
    golden = pathlib.Path(args.golden)
    inputs_root = pathlib.Path(args.inputs) if args.inputs else golden
    cases = json.loads(pathlib.Path(args.cases).read_text())["cases"]
    names = args.case or list(cases)
    if args.check:
        # Cases built on the real references of ../shared/data/real exist only where it does.
        missing = [n for n in names if not (inputs_root / n / "input").is_dir()]
        for name in missing:
            print(f"run_jwst: skipping case {name}: its inputs were not generated (real references absent)", file=sys.stderr)
        names = [n for n in names if n not in missing]
    if args.run:
        for name in names:
            uncal = next((inputs_root / name / "input").glob("*_uncal.fits"))
            out = pathlib.Path(args.run) / name
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir(parents=True)
            t0 = time.perf_counter()
            run_pipeline(uncal, out, save_steps=False)
            print(f"run_jwst: {name}: pipeline {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        return 0
    manifest_path = golden / "manifest.json"
    started = time.perf_counter()

    work_root = pathlib.Path(args.keep) if args.keep else pathlib.Path(tempfile.mkdtemp(prefix="golden-"))
    if args.keep:
        shutil.rmtree(work_root, ignore_errors=True)
        work_root.mkdir(parents=True)
    try:
        results = generate(cases, inputs_root, work_root, names)
        if args.update:
            update(cases, names, results, golden, inputs_root, args.crds, environment, started)
            return 0
        return check(cases, names, results, golden, inputs_root, manifest_path, started)
    finally:
        if not args.keep:
            shutil.rmtree(work_root, ignore_errors=True)


def update(cases, names, results, golden, inputs_root, crds_root, environment, started):
    manifest_path = golden / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {"cases": {}}
    manifest.update({
        "description": "Golden truth: jwst Detector1 products of simulated exposures (tests/golden/README.md)",
        "generator": {"script": "tests/golden/run_jwst.py", "versions": versions(), "environment": environment},
        "tolerance": TOLERANCE,
        "variants": {
            "pipeline": "Detector1Pipeline, class-default parameters, every step's output saved, save_calibrated_ramp",
            "jump_large_events": "JumpStep(expand_large_events=True, find_showers=True) on the ramp that entered jump",
            "ramp_fit_save_opt": "RampFitStep(save_opt=True) on the pipeline's _jump product",
            "ramp_fit_likely": "RampFitStep(algorithm='LIKELY', save_opt=True) on the pipeline's _jump product",
        },
    })
    crds_root = pathlib.Path(crds_root)
    for name in names:
        result = results[name]
        case_dir = golden / name
        truth_dir = case_dir / "truth"
        shutil.rmtree(truth_dir, ignore_errors=True)
        seen = {}
        products = []
        stored_as = {}  # product file -> the file holding its values (aliases resolved)
        for product in result["products"]:
            hashes = array_hashes(product["path"])
            key = json.dumps(hashes, sort_keys=True)
            entry = {
                "file": product["file"],
                "variant": product["variant"],
                "step": product["step"],
                "input": stored_as.get(product["input"], product["input"]),
                "arrays": hashes,
                "keywords": status_keywords(product["path"]),
            }
            if product["step"] == "group_scale" and entry["keywords"].get("S_GRPSCL") == "SKIPPED":
                # the uncal opened as a RampModel (SCI as float32, zero PIXELDQ/GROUPDQ): not stored
                entry["same_values_as"] = entry["input"]
                stored_as[product["file"]] = entry["input"]
            elif key in seen:
                entry["same_arrays_as"] = seen[key]
                stored_as[product["file"]] = seen[key]
            else:
                target = case_dir / product["file"]
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(product["path"], target)
                entry["sha256"] = sha256_file(target)
                seen[key] = product["file"]
            products.append(entry)
        references = {}
        for product in products:
            for key, value in product["keywords"].items():
                if key.startswith("R_") and value not in ("N/A", "") and value.startswith("jwst_"):
                    found = list(crds_root.glob(f"references/jwst/*/{value}"))
                    if found:
                        references[value] = {"sha256": sha256_file(found[0]), "real": value in cases[name].get("real", {}).values()}
        case_inputs = inputs_root / name / "input"
        manifest["cases"][name] = {
            "description": cases[name].get("description", ""),
            "request": cases[name]["request"],
            "real_references": cases[name].get("real", {}),
            "stem": result["stem"],
            "instrument": result["instrument"],
            "inputs": {f"input/{p.name}": sha256_file(p) for p in sorted(case_inputs.glob("*"))},
            "references": dict(sorted(references.items())),
            "products": products,
            "seconds": result["seconds"],
        }
        print(f"run_jwst: {name}: stored {len(seen)} files, {len(products) - len(seen)} aliases", file=sys.stderr)
    manifest["cases"] = {k: manifest["cases"][k] for k in sorted(manifest["cases"])}
    manifest["seconds"] = round(time.perf_counter() - started, 1)
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=False) + "\n")
    size = sum(p.stat().st_size for p in golden.glob("*/truth/**/*.fits")) + sum(p.stat().st_size for n in names for p in (golden / n / "input").glob("*"))
    print(f"run_jwst: manifest written; golden truth + inputs {size / 1e6:.1f} MB; {manifest['seconds']} s", file=sys.stderr)


def check(cases, names, results, golden, inputs_root, manifest_path, started):
    if not manifest_path.exists():
        print(f"run_jwst: no {manifest_path}; run make golden first", file=sys.stderr)
        return 1
    manifest = json.loads(manifest_path.read_text())
    failures = []
    identical_all = True
    counted = 0
    for name in names:
        if name not in manifest["cases"]:
            failures.append(f"{name}: not in the manifest")
            continue
        expected = manifest["cases"][name]
        for rel, digest in expected["inputs"].items():
            path = inputs_root / name / rel
            if not path.exists() or sha256_file(path) != digest:
                failures.append(f"{name}: regenerated {rel} differs from the manifest (the simulator no longer reproduces it)")
        produced = {p["file"]: p for p in results[name]["products"]}
        for entry in expected["products"]:
            new = produced.get(entry["file"])
            if new is None:
                failures.append(f"{name}: jwst no longer writes {entry['file']}")
                continue
            if "same_values_as" in entry:
                problems = same_values_as_uncal(golden / name / entry["same_values_as"], new["path"])
                identical = not problems
            else:
                stored = golden / name / entry.get("same_arrays_as", entry["file"])
                identical, problems, _ = compare_arrays(stored, new["path"])
            counted += 1
            identical_all &= identical
            failures.extend(f"{name}: {entry['file']}: {p}" for p in problems)
            keywords = status_keywords(new["path"])
            for key in ("S_",):
                for k, v in entry["keywords"].items():
                    if k.startswith(key) and keywords.get(k) != v:
                        failures.append(f"{name}: {entry['file']}: {k} = {keywords.get(k)!r}, truth {v!r}")
        extra = set(produced) - {e["file"] for e in expected["products"]}
        if extra:
            failures.append(f"{name}: new products not in the truth: {sorted(extra)}")
    seconds = round(time.perf_counter() - started, 1)
    if failures:
        print("run_jwst: the golden truth is NOT reproduced:", file=sys.stderr)
        for f in failures:
            print("  " + f, file=sys.stderr)
        return 1
    how = "bit-identical" if identical_all else f"within tolerance (rtol {TOLERANCE['float']['rtol']}, atol {TOLERANCE['float']['atol']}), not bit-identical"
    print(f"run_jwst: {counted} products of {len(names)} cases reproduced, {how}; inputs byte-identical; {seconds} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
