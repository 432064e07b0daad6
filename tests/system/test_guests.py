"""Issue 4: every test guest (tests/guests/README.md) runs to its done line on Keel, each in its own VM, and
every check it prints is asserted."""
import pytest

from test_vm import assert_guest_passed, start_host

# guest → extra `vm new` settings and a deadline for the whole run (seconds, generous: 2-core CI under load).
GUESTS = {
    "hello": ("", 60),
    "realmode": ("", 90),
    "prot32": ("", 120),
    "long64": ("cpus=4 cmdline=cpus=4", 120),
    "reset": ("", 90),
    "hostile_mmio": ("", 90),
    "hostile_msr": ("", 180),
    "hostile_ipi": ("", 120),
    "hostile_svm": ("", 60),
    "hostile_scan": ("", 90),
}


@pytest.mark.parametrize("guest", sorted(GUESTS))
def test_guest_passes(boot, guest):
    settings, deadline = GUESTS[guest]
    m = start_host(boot)
    m.run(f"vm new g kernel={guest} mem=64M {settings}")
    assert "started" in m.run("vm start g")
    m.wait_vm_state("g", "Off", timeout=deadline)
    info = m.vm("g")
    text = m.guest_console("g", rf"guest {guest}: done")
    assert info["off_reason"] == "powered off by the guest (ACPI S5)", text
    assert_guest_passed(text, guest)
