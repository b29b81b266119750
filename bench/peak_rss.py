"""This process's peak resident set (MB); see bench/peak-rss.mjs for why not ru_maxrss alone."""

import re
import resource


def peak_rss_mb():
    try:
        with open("/proc/self/status") as status:
            kb = re.search(r"^VmHWM:\s*(\d+)\s*kB", status.read(), re.M)
        if kb:
            return int(kb.group(1)) / 1024
    except OSError:
        pass  # Not Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
