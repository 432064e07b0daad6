"""Issue 4: Keel under Bochs with `cpu: model=ryzen`, an AMD-V that fills next-RIP and the I/O exit's
address-size bits (QEMU does neither), so both paths of the exit code run."""
from test_vm import assert_guest_passed


def test_guest_under_bochs_ryzen(bochs):
    m = bochs(model="ryzen")
    m.wait_prompt(timeout=240)
    assert "svm" in m.host_show()["features"]
    m.run("vm new h kernel=hello mem=64M", timeout=60)
    m.run("vm start h", timeout=60)
    m.wait_vm_state("h", "Off", timeout=180)
    assert m.vm("h")["off_reason"] == "powered off by the guest (ACPI S5)"
    assert_guest_passed(m.guest_console("h", r"guest hello: done", timeout=60), "hello")
