"""Issue 4: Keel under Bochs with `cpu: model=ryzen`, an AMD-V that fills next-RIP and the I/O exit's
address-size bits (QEMU does neither), so both paths of the exit code run: the 64-bit test guest passes."""
from test_vm import assert_guest_passed


def test_long64_guest_under_bochs_ryzen(bochs):
    m = bochs(model="ryzen")
    m.wait_prompt(timeout=240)
    assert m.host_show()["virtualization"] == "svm"
    m.run("vm new g kernel=long64 mem=64M cpus=2 cmdline=cpus=2", timeout=60)
    m.run("vm start g", timeout=60)
    m.wait_vm_state("g", "Off", timeout=480)
    assert m.vm("g")["off_reason"] == "powered off by the guest (ACPI S5)"
    text = m.guest_console("g", r"guest long64: done", timeout=60)
    assert_guest_passed(text, "long64")
    assert "guest long64: ap startup, 2 cpus ok" in text
