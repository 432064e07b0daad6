"""Issue 3: a host exception prints the crash report of docs/CONSOLE.md and halts every CPU."""
import re

import pytest

FAULTS = {
    "exec-data": 14,
    "write-text": 14,
    "stack-overflow": 8,
}
# A symbolized backtrace frame: address then <name+0xoffset>.
FRAME = re.compile(r"(?m)^\s+0x[0-9a-f]+ <[A-Za-z_][\w.]*\+0x[0-9a-f]+>")


@pytest.mark.parametrize("fault", list(FAULTS))
def test_debug_fault_crash_report(machine, fault):
    vector = FAULTS[fault]
    start = machine.mark()
    machine.send(f"debug fault {fault}\r")
    machine.wait_for(rf"PANIC: exception {vector} ", timeout=60)
    machine.wait_for(r"(?m)^halted", timeout=60)
    report = machine.text()[start:]
    report = report[report.index("PANIC:"):]
    assert re.search(r"\brip 0x[0-9a-f]+", report), report
    assert re.search(r"\bcr2 0x[0-9a-f]+", report), report
    assert "backtrace:" in report, report
    assert FRAME.search(report.split("backtrace:", 1)[1]), report
    if fault == "stack-overflow":
        assert "(#DF double fault)" in report, report
        assert re.search(r"(?m)^\s+stack overflow: guard page of thread '[^']+' hit", report), report
    else:
        assert "(#PF page fault)" in report, report
    # Halted: the shell answers no more.
    assert machine.proc.poll() is None
    machine.mark()
    machine.send("version\r")
    with pytest.raises(AssertionError):
        machine.wait_for(r"(?m)^keel> ", timeout=3)
