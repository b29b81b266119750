"""`detector1 preview` against astropy.visualization: the display limits of ZScaleInterval
(default parameters), MinMaxInterval and PercentileInterval(99.5) agree to float32 precision,
and the 8-bit pixels of the PNG are within 1 level of astropy's AsinhStretch / LinearStretch of
the same interval, taken to bytes the way matplotlib indexes a 256-colour map
(floor(256 x), 1.0 -> 255). Images: noise + stars + NaNs and infinities, of several sizes and
offsets, written as float32 FITS by astropy and drawn through the built CLI (dist/)."""

import pathlib
import re
import subprocess

import numpy as np
import pytest
from astropy.io import fits
from astropy.visualization import (
    AsinhStretch,
    LinearStretch,
    MinMaxInterval,
    PercentileInterval,
    ZScaleInterval,
)
from PIL import Image

HERE = pathlib.Path(__file__).parent
REPO = HERE.parent.parent
CLI = REPO / "dist" / "cli" / "main.js"
FLOAT32_EPS = float(np.finfo(np.float32).eps)


def sky(shape, seed, *, background=100.0, sigma=10.0, stars=30, nan_fraction=0.02):
    """Gaussian noise, Gaussian stars up to ~1e4 above the background, a few cold pixels far
    below it (so that both limits come from the fit, not the sample extremes), NaN and a few
    inf pixels."""
    rng = np.random.default_rng(seed)
    rows, cols = shape
    image = rng.normal(background, sigma, shape)
    y, x = np.mgrid[:rows, :cols]
    for _ in range(stars):
        cy, cx = rng.uniform(0, rows), rng.uniform(0, cols)
        flux, width = 10 ** rng.uniform(1.5, 4), rng.uniform(0.8, 2.5)
        image += flux * np.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * width**2))
    image[rng.random(shape) < 0.005] = background - 1000 * sigma
    image[rng.random(shape) < nan_fraction] = np.nan
    image[rng.random(shape) < 0.001] = np.inf
    image[rng.random(shape) < 0.001] = -np.inf
    return image.astype(np.float32)


IMAGES = {
    # more pixels than n_samples with a non-integer ratio: stride floor(nfinite / 1000)
    "sky_123x457": sky((123, 457), 1),
    "sky_256x256": sky((256, 256), 2, stars=80),
    # a large offset: limits near 1e4 with sigma 1 test the float32 median and the fit
    "offset_200x150": sky((200, 150), 3, background=1.0e4, sigma=1.0),
    # fewer pixels than n_samples: every finite pixel is a sample
    "small_20x30": sky((20, 30), 4, stars=3),
    # mostly NaN: 4 finite pixels < min_npixels, so zscale falls back to min/max
    "four_pixels": np.where(np.arange(64).reshape(8, 8) % 17 == 0, np.arange(64.0).reshape(8, 8), np.nan).astype(np.float32),
    "flat_noise_64x64": np.random.default_rng(5).normal(0, 1, (64, 64)).astype(np.float32),
}


def write_rate(path, image):
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(image, name="SCI")]).writeto(path)


def preview(path, out, *args):
    assert CLI.exists(), f"{CLI} is missing: run `make build` first"
    result = subprocess.run(["node", str(CLI), "preview", str(path), "-o", str(out), *args],
                            capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr
    vmin, vmax = map(float, re.search(r"limits (\S+) (\S+),", result.stdout).groups())
    pixels = np.asarray(Image.open(out))
    return (vmin, vmax), pixels


def to_bytes(levels):
    return np.minimum(np.floor(levels * 256.0), 255.0)


def assert_limits_close(ours, theirs):
    scale = max(abs(theirs[0]), abs(theirs[1]), abs(theirs[1] - theirs[0]))
    for our, their in zip(ours, theirs):
        assert abs(our - float(their)) <= 2 * FLOAT32_EPS * scale, (ours, theirs)


def assert_pixels_close(pixels, image, levels):
    """PNG rows are top-down: the image's last row first. NaN pixels are drawn black."""
    shown = np.flipud(image)
    expected = np.flipud(to_bytes(levels))
    nan = np.isnan(shown)
    assert pixels.shape == image.shape
    assert np.all(pixels[nan] == 0)
    diff = np.abs(pixels[~nan].astype(int) - expected[~nan].astype(int))
    assert diff.max() <= 1, f"{np.count_nonzero(diff > 1)} pixels differ by more than 1 level"
    # Most pixels agree exactly: a 1-level difference only comes from rounding at a boundary.
    assert np.count_nonzero(diff) <= max(3, 0.01 * diff.size)


@pytest.mark.parametrize("name", sorted(IMAGES))
def test_zscale_asinh_matches_astropy(tmp_path, name):
    image = IMAGES[name]
    write_rate(tmp_path / "rate.fits", image)
    limits, pixels = preview(tmp_path / "rate.fits", tmp_path / "out.png")
    assert_limits_close(limits, ZScaleInterval().get_limits(image))
    assert_pixels_close(pixels, image, AsinhStretch(a=0.1)(ZScaleInterval()(image)))


@pytest.mark.parametrize("interval, astropy_interval",
                         [("minmax", MinMaxInterval()), ("percentile:99.5", PercentileInterval(99.5))])
def test_other_intervals_with_linear_stretch(tmp_path, interval, astropy_interval):
    image = IMAGES["sky_256x256"]
    write_rate(tmp_path / "rate.fits", image)
    limits, pixels = preview(tmp_path / "rate.fits", tmp_path / "out.png", "--interval", interval, "--stretch", "linear")
    assert_limits_close(limits, astropy_interval.get_limits(image))
    assert_pixels_close(pixels, image, LinearStretch()(astropy_interval(image)))


def test_rateints_integration_and_softening(tmp_path):
    cube = np.stack([IMAGES["sky_123x457"], sky((123, 457), 6, background=50.0)])
    path = tmp_path / "rateints.fits"
    write_rate(path, cube)
    limits, pixels = preview(path, tmp_path / "out.png", "--integration", "1", "--asinh-a", "0.02")
    assert_limits_close(limits, ZScaleInterval().get_limits(cube[1]))
    assert_pixels_close(pixels, cube[1], AsinhStretch(a=0.02)(ZScaleInterval()(cube[1])))
