"""Products written by jwst-detector1 open in astropy (checksums verified) and as the right
stdatamodels classes, with the schema dtypes and our metadata."""

import pathlib
import subprocess
import warnings

import numpy as np
import pytest
from astropy.io import fits

import stdatamodels.jwst.datamodels as dm

HERE = pathlib.Path(__file__).parent
REPO = HERE.parent.parent


@pytest.fixture(scope="module")
def products(tmp_path_factory):
    out = tmp_path_factory.mktemp("products")
    subprocess.run(["node", str(HERE / "write_products.mjs"), str(out)], check=True, cwd=REPO)
    return out


EXPECTED = {
    "test_ramp.fits": (
        dm.RampModel,
        {"SCI": ">f4", "PIXELDQ": ">u4", "GROUPDQ": "u1", "ZEROFRAME": ">f4"},
    ),
    "test_rate.fits": (
        dm.ImageModel,
        {"SCI": ">f4", "ERR": ">f4", "DQ": ">u4", "VAR_POISSON": ">f4", "VAR_RNOISE": ">f4"},
    ),
    "test_rateints.fits": (
        dm.CubeModel,
        {"SCI": ">f4", "ERR": ">f4", "DQ": ">u4", "VAR_POISSON": ">f4", "VAR_RNOISE": ">f4"},
    ),
    "test_fitopt.fits": (
        dm.RampFitOutputModel,
        {"SLOPE": ">f4", "SIGSLOPE": ">f4", "YINT": ">f4", "SIGYINT": ">f4", "PEDESTAL": ">f4",
         "WEIGHTS": ">f4", "CRMAG": ">f4", "VAR_POISSON": ">f4", "VAR_RNOISE": ">f4"},
    ),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_astropy_reads_extensions_dtypes_and_checksums(products, name):
    _, dtypes = EXPECTED[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a checksum mismatch is a warning in astropy
        with fits.open(products / name, checksum=True) as hdul:
            names = [h.name for h in hdul]
            assert names[0] == "PRIMARY"
            assert names[-1] == "ASDF"
            for ext, dtype in dtypes.items():
                # astropy hands back unsigned (BZERO) data in native byte order
                assert hdul[ext].data.dtype.newbyteorder("=") == np.dtype(dtype).newbyteorder("="), ext
            assert hdul[0].header["DATAMODL"] == EXPECTED[name][0].__name__
            assert hdul["ASDF"].data["ASDF_METADATA"][0].tobytes().startswith(b"#ASDF 1.0.0")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_stdatamodels_opens_the_right_class(products, name):
    cls, _ = EXPECTED[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # jwst turns ValidationWarning into errors in its own tests
        with dm.open(products / name) as model:
            assert type(model) is cls
            assert model.meta.instrument.name == "NIRCAM"
            assert model.meta.exposure.ngroups == 4
            assert model.meta.subarray.xstart == 1
            assert model.meta.cal_step.superbias == "COMPLETE"
            assert model.meta.target.catalog_name == "demo target"


def test_ramp_arrays_round_trip(products):
    with dm.RampModel(products / "test_ramp.fits") as model:
        assert model.data.shape == (2, 4, 5, 6)
        assert model.data.dtype.newbyteorder("=") == np.float32
        np.testing.assert_array_equal(model.data.ravel(), np.arange(2 * 4 * 30, dtype=np.float32) * 0.5)
        assert model.pixeldq[0, 0] == 2147483649
        assert model.groupdq.ravel()[:8].tolist() == [0, 1, 2, 3, 4, 5, 6, 0]
        assert model.zeroframe.shape == (2, 5, 6)


def test_rate_values(products):
    with dm.ImageModel(products / "test_rate.fits") as model:
        assert model.data.shape == (5, 6)
        np.testing.assert_allclose(model.data.ravel(), np.arange(30, dtype=np.float32) / 3, rtol=1e-7)
        assert model.dq.dtype == np.uint32
        assert model.dq.ravel()[29] == 29
