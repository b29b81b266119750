#!/usr/bin/env python3
"""jwst's Detector1Pipeline on one uncal file, offline: the Python side of bench/pipeline.mjs.

    .venv/bin/python bench/pipeline.py UNCAL CRDS_CACHE PMAP OUTPUT_DIR

Class-default parameters (no CRDS parameter references), `_rate`/`_rateints` written. Prints one
JSON line: wall and CPU seconds of `Detector1Pipeline.call` (imports excluded), peak RSS of this
process (MB), versions.
"""

import json
import os
import sys
import time

from peak_rss import peak_rss_mb


def main():
    uncal, crds_root, pmap, output_dir = sys.argv[1:5]
    os.environ.update(
        {
            "CRDS_PATH": crds_root,
            "CRDS_MODE": "local",
            "CRDS_SERVER_URL": "https://jwst-serverless-mode.stsci.edu",
            "CRDS_CONTEXT": pmap,
            "STPIPE_DISABLE_CRDS_STEPPARS": "true",
        }
    )
    import jwst
    import stcal
    from jwst.pipeline import Detector1Pipeline

    wall, cpu = time.perf_counter(), time.process_time()
    Detector1Pipeline.call(uncal, output_dir=output_dir, save_results=True)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = peak_rss_mb()
    print(json.dumps({"impl": "jwst", "seconds": wall, "cpu": cpu, "peakMB": peak, "jwst": jwst.__version__, "stcal": stcal.__version__}))


if __name__ == "__main__":
    main()
