"""Runs one jwst 3.0 step (clean_flicker_noise or picture_frame) on a ramp, offline, for
test_clean_flicker_noise_vs_jwst.py: `python flicker_jwst_run.py <step> <input> <output_dir> <kwargs json>`.
The CRDS_* environment (the case's mini cache) comes from the caller; the corrected ramp is
saved as <output_dir>/jwst_<step>.fits, extra products (save_mask, ...) under jwst's own names."""

import json
import pathlib
import sys


def main():
    step_name, input_path, output_dir, kwargs = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3]), json.loads(sys.argv[4])
    from stdatamodels.jwst import datamodels

    if step_name == "clean_flicker_noise":
        from jwst.clean_flicker_noise import CleanFlickerNoiseStep as Step
    else:
        from jwst.picture_frame import PictureFrameStep as Step
    if kwargs.get("background_method") == "median_image":
        # median_image makes jwst run assign_wcs on the draft rateints, which needs WCS
        # references our mini CRDS caches do not hold. Outside TSO spectra nothing used reads
        # that WCS: the median image scales by plain medians, or for TSO imaging by
        # tso_photometry's aperture sums (its table's RA/Dec columns call the WCS, so the draft
        # rate gets an identity one).
        import jwst.clean_flicker_noise.clean_flicker_noise as flicker
        from astropy.modeling.models import Identity
        from gwcs import WCS, coordinate_frames

        class IdentityWcs:
            input_dir = ""

            def run(self, model):
                frames = [(coordinate_frames.Frame2D(name="detector"), Identity(2)), (coordinate_frames.Frame2D(name="world"), None)]
                model.meta.wcs = WCS(frames)
                return model

        flicker.AssignWcsStep = IdentityWcs

        # MIRI imaging also gets a draft flat_field for its DQ. Our caches' FLAT is N/A, for
        # which flat_field is skipped (no DQ added), but they do not list the NIRSpec flat
        # types (dflat, fflat, sflat) flat_field asks CRDS about too: skip it here as it would be.
        class SkippedFlatField:
            input_dir = ""

            def run(self, model):
                return model.copy()

        flicker.FlatFieldStep = SkippedFlatField
    if kwargs.pop("_stable_idw", False):
        # photutils refills excluded Background2D boxes from the 10 nearest kept boxes found by
        # a scipy k-d tree, which picks among boxes tied at the 10th distance by its own build
        # order; this replaces that search by the row-major tie order our kernel uses, so that
        # everything else can be compared bit for bit.
        import numpy as np
        from photutils.background import background_2d

        def refill_row_major(self, data, **_):
            if not np.any(np.isnan(data)):
                return data
            kept = np.argwhere(~np.isnan(data))
            values = data[~np.isnan(data)]
            out = np.copy(data)
            for y, x in np.argwhere(np.isnan(data)):
                distances = np.sqrt(((kept - [y, x]) ** 2).sum(axis=1).astype(float))
                nearest = np.argsort(distances, kind="stable")[:10]
                weights = np.zeros(10)
                products = np.zeros(10)
                weights[: len(nearest)] = 1.0 / distances[nearest]
                products[: len(nearest)] = weights[: len(nearest)] * values[nearest]
                out[y, x] = np.sum(products) / np.sum(weights)
            return out

        background_2d.Background2D._interpolate_grid = refill_row_major
    model = datamodels.RampModel(input_path)
    result = Step.call(model, skip=False, output_dir=str(output_dir), **kwargs)
    result.save(output_dir / f"jwst_{step_name}.fits")


if __name__ == "__main__":
    main()
