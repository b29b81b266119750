"""The environment that runs jwst with CRDS offline against one of our simulated caches: local
mode, the cache's own (only) context, and no parameter references (every step's class defaults)."""

import os
import pathlib


def offline_env(cache: pathlib.Path) -> dict:
    pmap = next((cache / "mappings" / "jwst").glob("*.pmap")).name
    return {
        **os.environ,
        "CRDS_PATH": str(cache),
        "CRDS_MODE": "local",
        "CRDS_SERVER_URL": "https://jwst-serverless-mode.stsci.edu",
        "CRDS_CONTEXT": pmap,
        "STPIPE_DISABLE_CRDS_STEPPARS": "true",
    }
