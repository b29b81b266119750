"""Disk and diagnostics for the oracle comparisons.

The modules write multi-GB inputs and jwst products (full frames, IRS2 exposures) into pytest's
temporary directory; kept for the whole session they add up to ~15 GB. Each module's directories
are removed when the module ends, unless one of its tests failed (then they stay for inspection).
A subprocess that fails (our CLI, a node script, jwst in a child) shows its stderr in the report."""

import shutil
import subprocess

import pytest


@pytest.fixture(scope="module", autouse=True)
def remove_module_temp_dirs(request, tmp_path_factory):
    base = tmp_path_factory.getbasetemp()
    before = set(base.iterdir())
    failed_before = request.session.testsfailed
    yield
    if request.session.testsfailed != failed_before:
        return
    for path in set(base.iterdir()) - before:
        shutil.rmtree(path, ignore_errors=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if call.excinfo is None or not isinstance(call.excinfo.value, subprocess.CalledProcessError):
        return
    error = call.excinfo.value
    for name, stream in (("stderr", error.stderr), ("stdout", error.output)):
        if stream:
            text = stream.decode(errors="replace") if isinstance(stream, bytes) else stream
            report.sections.append((f"failed subprocess {name} (last 4000 characters)", text[-4000:]))
