"""Issue 4: VMs on AMD-V. Test guests (tests/guests) run as GRUB modules of the test image; their checks are
asserted line by line from the guest's console."""
import re

import keel


def start_host(boot, smp=2, mem=1024):
    m = boot(iso=keel.TEST_ISO, smp=smp, mem=mem)
    m.wait_prompt()
    return m


def assert_guest_passed(text, guest):
    """Every check line of the guest is ok, and its done line reports no failure."""
    checks = re.findall(rf"(?m)^guest {guest}: (.*) (ok|FAIL.*)$", text)
    assert checks, f"guest {guest} printed no checks:\n{text}"
    failed = [c for c in checks if c[1] != "ok"]
    assert not failed, f"guest {guest} failed checks: {failed}"
    done = re.search(rf"(?m)^guest {guest}: done, (\d+) passed, (\d+) failed$", text)
    assert done and done.group(2) == "0" and int(done.group(1)) == len(checks), text


def test_hello_guest_runs_and_powers_off(boot):
    m = start_host(boot)
    assert "created VM 'h'" in m.run("vm new h kernel=hello")
    assert "started" in m.run("vm start h")
    m.wait_vm_state("h", "Off")
    info = m.vm("h")
    assert info["off_reason"] == "powered off by the guest (ACPI S5)"
    text = m.guest_console("h", r"guest hello: done")
    assert_guest_passed(text, "hello")
    for check in ("multiboot magic", "cpuid hyper-v interface", "hyper-v hypercall status", "cpuid hides svm", "unclaimed port reads ones"):
        assert f"guest hello: {check} ok" in text
    # The same history without attaching: its last two lines, the last check and the done line.
    tail = m.run("vm console h lines=2").splitlines()
    assert len(tail) == 2 and tail[1] == text.rstrip().splitlines()[-1], (tail, text[-300:])
    assert tail[0].startswith("guest hello: ") and tail[0].endswith(" ok"), tail


def test_vm_commands_refuse_bad_input_and_change_nothing(boot):
    m = start_host(boot)
    assert "created" in m.run("vm new good kernel=hello mem=64M")
    before = m.run("vm list --json")
    cases = {
        "vm new good kernel=hello": r"exists already",
        "vm new -bad kernel=hello": r"bad VM name",
        "vm new big kernel=hello mem=64G": r"more than the host has free",
        "vm new nomod kernel=nosuchmodule": r"no boot module named 'nosuchmodule'",
        "vm new odd kernel=hello mem=3M": r"multiple of 2M",
        "vm new many kernel=hello cpus=99": r"cpus=99",
        "vm new junk kernel=hello color=blue": r"unknown option",
        "vm start nosuch": r"no VM named 'nosuch'",
        "vm pause good": r"not Running",
        "vm turnoff good": r"Off already",
        "vm console nosuch": r"no VM named 'nosuch'",
        "vm console good lines=0": r"lines=0",
    }
    for cmd, why in cases.items():
        out = m.run(cmd)
        lines = [l for l in out.splitlines() if l.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: ") and re.search(why, lines[0]), (cmd, out)
    assert m.run("vm list --json") == before


def test_turnoff_and_delete_give_memory_back(boot):
    m = start_host(boot)
    free_before = m.host_show()["mem_free_bytes"]
    m.run("vm new c kernel=hello mem=128M")
    m.run("vm start c")
    m.wait_vm_state("c", "Off")
    m.run("vm delete c")
    assert "no VM named" in m.run("vm show c")
    assert m.host_show()["mem_free_bytes"] == free_before
