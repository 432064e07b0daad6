"""Issue 3: the six ways a server boots Keel reach the shell with every CPU and all memory."""
import pytest

import keel

MIB = 1 << 20


@pytest.mark.parametrize("path", list(keel.BOOT_PATHS))
def test_boot_path_reaches_prompt(boot, path, record_property):
    m = boot(boot=path)
    seconds = m.wait_prompt()
    record_property("boot_seconds", round(seconds, 1))
    host = m.host_show()
    assert host["cpus_online"] == 4, host
    assert abs(host["mem_total_bytes"] - 2048 * MIB) <= 0.05 * 2048 * MIB, host
    # -cpu max has SVM with nested paging under TCG.
    assert host["virtualization"] == "svm", host
    assert "virtualization: svm" in m.console()


def test_without_svm_names_missing_feature(boot):
    m = boot(cpu="qemu64,-svm")
    m.wait_prompt()
    console = m.console()
    assert "virtualization unavailable: " in console, console
    reason = console.split("virtualization unavailable: ", 1)[1].splitlines()[0]
    assert "SVM" in reason or "VMX" in reason, reason
    host = m.host_show()
    assert host["virtualization"] is None, host
    assert host["cpus_online"] == 4, host
