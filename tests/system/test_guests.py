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


def counter_value(m, name):
    """The last `guest counter: N` the VM printed (its console history, through vm connect)."""
    import re
    text = m.guest_console(name, r"guest counter: \d+\n")
    return int(re.findall(r"(?m)^guest counter: (\d+)$", text)[-1])


def test_hostile_guests_stop_only_themselves(boot):
    """Triple fault, execution from unbacked memory and a guest spinning with interrupts masked: each affects
    only its own VM; the host and a well-behaved VM keep running and the shell answers throughout."""
    m = start_host(boot)
    m.run("vm new good kernel=counter mem=32M")
    m.run("vm start good")
    for name in ("hostile_triple", "hostile_exec", "hostile_spin"):
        m.run(f"vm new {name} kernel={name} mem=32M")
        assert "started" in m.run(f"vm start {name}")
    m.wait_vm_state("hostile_triple", "Off", timeout=60)
    assert "triple fault" in m.vm("hostile_triple")["off_reason"]
    text = m.guest_console("hostile_triple", r"this triple-faults")
    assert "triple fault stops the vm" not in text
    m.wait_vm_state("hostile_exec", "Off", timeout=60)
    assert "executed from guest-physical 0xe0000000" in m.vm("hostile_exec")["off_reason"]
    # The spinning guest holds a host CPU with interrupts masked; the host still preempts it.
    for _ in range(5):
        assert m.host_show()["cpus_online"] == 2
        assert m.vm("hostile_spin")["state"] == "Running"
    first = counter_value(m, "good")
    assert "turned off" in m.run("vm turnoff hostile_spin", timeout=30)
    assert m.vm("hostile_spin")["off_reason"] == "turned off from the shell"
    m.guest_console("good", rf"guest counter: {first + 2}\n", timeout=60)  # it counts on
    assert m.vm("good")["state"] == "Running"


def test_pause_resume_keeps_guest_state(boot):
    import re
    m = start_host(boot)
    m.run("vm new c kernel=counter mem=32M")
    m.run("vm start c")
    before = counter_value(m, "c")
    assert "paused" in m.run("vm pause c")
    assert m.vm("c")["state"] == "Paused"
    paused_at = counter_value(m, "c")
    # Paused: the console stays where it was while the host goes on.
    for _ in range(3):
        m.host_show()
    assert counter_value(m, "c") == paused_at
    assert "resumed" in m.run("vm resume c")
    text = m.guest_console("c", rf"guest counter: {paused_at + 2}\n")
    counts = [int(n) for n in re.findall(r"(?m)^guest counter: (\d+)$", text)]
    assert counts == list(range(1, counts[-1] + 1)), "the count skipped or restarted"
    assert paused_at >= before


def test_shutdown_presses_the_power_button(boot):
    m = start_host(boot)
    m.run("vm new c kernel=counter mem=32M")
    m.run("vm new spin kernel=hostile_spin mem=32M")
    m.run("vm start c")
    m.run("vm start spin")
    counter_value(m, "c")
    assert "shut down" in m.run("vm shutdown c", timeout=60)
    assert m.vm("c")["state"] == "Off"
    assert m.vm("c")["off_reason"] == "powered off by the guest (ACPI S5)"
    assert "power button pressed, powering off" in m.guest_console("c", r"guest counter: done")
    out = m.run("vm shutdown spin timeout=2", timeout=60)
    assert out.startswith("error: ") and "left running" in out
    assert m.vm("spin")["state"] == "Running"
    m.run("vm turnoff spin")


def test_sixteen_vms_on_two_cpus(boot):
    """16 VMs of mixed guests at once on a 2-CPU host: all finish with every check ok, and the shell answers
    `host show` within its deadline the whole time."""
    import time
    m = start_host(boot, mem=2048)
    mix = ["hello", "hostile_svm", "hostile_scan", "realmode"] * 4
    for i, guest in enumerate(mix):
        m.run(f"vm new v{i} kernel={guest} mem=32M")
    for i in range(len(mix)):
        assert "started" in m.run(f"vm start v{i}")
    deadline = time.monotonic() + 300
    while True:
        assert m.host_show()["cpus_online"] == 2  # each answer within the command deadline
        states = [m.vm(f"v{i}")["state"] for i in range(len(mix))]
        if all(s == "Off" for s in states) or time.monotonic() > deadline:
            break
    assert all(s == "Off" for s in states), states
    for i, guest in enumerate(mix):
        assert m.vm(f"v{i}")["off_reason"] == "powered off by the guest (ACPI S5)", (i, guest)
        assert_guest_passed(m.guest_console(f"v{i}", rf"guest {guest}: done"), guest)
