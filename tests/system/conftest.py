"""pytest fixtures for Keel's system tests: machines that are always killed, one serial log per test.

Logs: build/results/logs/<test>.log (the whole serial output of each machine the test booted, QEMU's command
line first, QEMU's stderr and exit status last). On failure the tail of each log is printed with the report.
"""
import os
import re

import pytest

import keel

LOGS = os.environ.get("KEEL_LOGS", os.path.join(keel.BUILD, "results", "logs"))


def log_name(nodename):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodename).strip("_")


@pytest.fixture
def boot(request):
    """boot(**kwargs) → a started keel.Keel (kwargs as keel.Keel: boot=, cpu=, reboot=, iso=, extra=...).
    Every machine is killed at teardown."""
    machines = []
    request.node.keel_machines = machines

    def start(**kwargs):
        base = log_name(request.node.name)
        # A run repeated after an emulator fault keeps the first run's logs.
        runs = getattr(request.node, "execution_count", 1)
        if runs > 1:
            base += f"-run{runs}"
        name = base if not machines else f"{base}-{len(machines) + 1}"
        m = keel.Keel(os.path.join(LOGS, name + ".log"), **kwargs)
        machines.append(m)
        return m.start()

    yield start
    for m in machines:
        m.kill()


@pytest.fixture
def machine(boot):
    """A Keel booted from the ISO under BIOS with the default machine, at its first prompt."""
    m = boot()
    m.wait_prompt()
    return m


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    for m in getattr(item, "keel_machines", []):
        report.sections.append((f"serial tail ({m.boot}; full log {m.log_path})", m.tail(40)))
        report.sections.append((f"post-mortem ({m.boot})", m.post_mortem()))


@pytest.fixture
def bochs(request):
    """bochs(**kwargs) → a started bochs.Bochs (model=, cpus=, megs=, iso=); killed at teardown."""
    import bochs as bochs_module
    machines = getattr(request.node, "keel_machines", None)
    if machines is None:
        machines = request.node.keel_machines = []

    def start(**kwargs):
        base = log_name(request.node.name)
        m = bochs_module.Bochs(os.path.join(LOGS, f"{base}-bochs{len(machines) + 1}.log"), **kwargs)
        machines.append(m)
        return m.start()

    yield start
    for m in machines:
        m.kill()
