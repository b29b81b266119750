"""Our dark_current step against stcal's dark subtraction (what jwst's DarkCurrentStep calls) on
synthetic ramps and darks the golden cases do not cover: darks with more frames than the science
needs (real CRDS darks are long), averaged (NFRAMES > 1, GROUPGAP) and direct readouts, an
extrapolated short dark, NaNs in the dark, several integrations, MIRI's per-integration (4-D)
darks with fewer integrations than the science. SCI bit for bit, untiled and with two workers."""

import json
import pathlib
import subprocess

import numpy as np
import pytest
from astropy.io import fits

HERE = pathlib.Path(__file__).parent
REPO = HERE.parent.parent

# name: (nints, ngroups, ny, nx), science NFRAMES, GROUPGAP, dark planes (NFRAMES 1, GROUPGAP 0),
# dark integrations (None: a near-IR 3-D dark)
CASES = {
    "medium8_long_dark": ((1, 4, 24, 20), 8, 2, 60, None),
    "bright2_long_dark_2ints": ((2, 5, 17, 23), 2, 0, 25, None),
    "shallow4_extrapolated": ((1, 6, 16, 16), 4, 1, 20, None),
    "rapid_long_dark": ((1, 5, 19, 21), 1, 0, 12, None),
    "miri_direct_fewer_dark_ints": ((3, 5, 16, 18), 1, 0, 8, 2),
    "miri_averaged_fewer_dark_ints": ((3, 3, 15, 17), 2, 1, 10, 2),
}


def stcal_corrected(data, dark, nframes, groupgap):
    from stcal.dark_current import dark_class, dark_sub

    nints, ngroups, ny, nx = data.shape
    science = dark_class.ScienceData()
    science.data = data.copy()
    science.groupdq = np.zeros(data.shape, np.uint8)
    science.pixeldq = np.zeros((ny, nx), np.uint32)
    science.exp_nframes, science.exp_groupgap, science.exp_intstart = nframes, groupgap, 1
    science.cal_step = None
    reference = dark_class.DarkData()
    reference.data = dark
    reference.groupdq = np.zeros((ny, nx) if dark.ndim == 3 else (dark.shape[0], 1, ny, nx), np.uint32)
    reference.err = np.zeros_like(dark)
    reference.exp_nframes, reference.exp_ngroups, reference.exp_groupgap = 1, dark.shape[-3], 0
    corrected = dark_sub.do_correction_data(science, reference)
    return (corrected[0] if isinstance(corrected, tuple) else corrected).data


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    out = tmp_path_factory.mktemp("dark_current")
    rng = np.random.default_rng(2026)
    truth = {}
    for name, (shape, nframes, groupgap, planes, dark_ints) in CASES.items():
        data = (rng.random(shape) * 60000).astype(np.float32)
        dark_shape = (planes, *shape[2:]) if dark_ints is None else (dark_ints, planes, *shape[2:])
        dark = (rng.random(dark_shape) * 50 - 5).astype(np.float32)
        dark[rng.random(dark.shape) < 0.01] = np.nan
        data.tofile(out / f"{name}_data.bin")
        primary = fits.PrimaryHDU()
        instrument = ("NIRCAM", "NRCA1") if dark_ints is None else ("MIRI", "MIRIMAGE")
        primary.header.update(NFRAMES=1, GROUPGAP=0, NGROUPS=planes, INSTRUME=instrument[0], DETECTOR=instrument[1])
        sci = fits.ImageHDU(dark, name="SCI")
        dq = fits.ImageHDU(np.zeros(shape[2:] if dark_ints is None else (dark_ints, 1, *shape[2:]), np.uint32), name="DQ")
        fits.HDUList([primary, sci, dq]).writeto(out / f"{name}_dark.fits")
        truth[name] = stcal_corrected(data, dark, nframes, groupgap)
    specs = {name: {"shape": list(shape), "nframes": nframes, "groupgap": groupgap, "miri": dark_ints is not None} for name, (shape, nframes, groupgap, _, dark_ints) in CASES.items()}
    (out / "cases.json").write_text(json.dumps(specs))
    subprocess.run(["node", str(HERE / "dark_current_cases.mjs"), str(out)], check=True, cwd=REPO)
    return out, truth


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("variant", ["ours", "ours_pool"])
def test_dark_current_matches_stcal_bit_for_bit(cases, name, variant):
    out, truth = cases
    expected = truth[name].astype(np.float32)
    ours = np.fromfile(out / f"{name}_{variant}.bin", dtype=np.float32).reshape(expected.shape)
    differ = ~((ours == expected) | (np.isnan(ours) & np.isnan(expected)))
    assert not differ.any(), f"{name} ({variant}): {differ.sum()} of {differ.size} samples differ from stcal, e.g. ours {ours[differ][:3]} vs stcal {expected[differ][:3]}"
