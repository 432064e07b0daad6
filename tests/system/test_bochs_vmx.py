"""Issue 7: the VT-x backend under Bochs `cpu: model=corei7_skylake_x` (VMX with EPT, VPID and unrestricted
guest): every test guest of test_guests.py passes with every check asserted, a triple fault stops only its VM
with a reason that names it, and four VMs run at once on a 2-CPU host with pause, resume and turnoff behaving
as on AMD-V. Each case boots its own Bochs (a few seconds to the prompt); two groups run side by side."""
import re

import pytest

import keel
from test_guests import GUESTS, counter_value
from test_vm import assert_guest_passed

MODEL = "corei7_skylake_x"

# Wall-time deadlines under Bochs for a guest's whole run, generous. The comments give the measured wall time of
# each case, Bochs boot (~4 s) included, two cases at once on 2 cores; the whole file takes 33-75 s with -n 2.
DEADLINES = {
    "hello": 120,          # 4-7 s
    "realmode": 180,       # 8-12 s
    "prot32": 240,         # 14-20 s
    "long64": 240,         # 8-10 s
    "reset": 180,          # 6-8 s
    "hostile_mmio": 180,   # 6-11 s
    "hostile_msr": 480,    # 29-35 s: 164k MSR exits
    "hostile_ipi": 300,    # 17-24 s
    "hostile_svm": 120,    # 4-6 s
    "hostile_scan": 180,   # 6-9 s
}

# At most two Bochs machines at once (xdist's loadgroup keeps a group on one worker), so the QEMU cases beside
# them keep a core: the groups balance the measured times (~100 s each).
GROUP_A = pytest.mark.xdist_group("bochs-vmx-a")
GROUP_B = pytest.mark.xdist_group("bochs-vmx-b")
IN_GROUP_A = {"hostile_msr", "prot32", "realmode", "reset", "hostile_scan", "hostile_svm"}


def vm_info(m, name):
    return m.json_command(f"vm show {name} --json")


def wait_off(m, name, timeout, start=None):
    """Waits for the log line `vm NAME: off: ...` that Keel prints once the VM is Off, and for the prompt after
    the command typed at `start`, without typing meanwhile: the shell stops answering when a command is typed
    just as a VM powers off (seen on AMD-V under Bochs ryzen too; reported, not fixed here)."""
    m.wait_for(rf"vm {re.escape(name)}: off: ", timeout, start=start)
    m.wait_for(keel.PROMPT_RE, 60, start=start)


def vmx_host(bochs, cpus=1, megs=512):
    """A Keel under Bochs with VT-x, at its prompt, that chose the VT-x backend."""
    m = bochs(model=MODEL, cpus=cpus, megs=megs)
    m.wait_prompt(timeout=300)
    info = m.json_command("host show --json")
    assert info["virtualization"] == "vmx", info
    assert info["cpus_online"] == cpus, info
    return m


@pytest.mark.parametrize("guest", [pytest.param(g, marks=GROUP_A if g in IN_GROUP_A else GROUP_B)
                                   for g in sorted(GUESTS)])
def test_guest_passes_under_vtx(bochs, guest):
    settings, _ = GUESTS[guest]
    m = vmx_host(bochs)
    m.run(f"vm new g kernel={guest} mem=64M {settings}")
    since = m.mark()
    assert "started" in m.run("vm start g", timeout=60)
    wait_off(m, "g", DEADLINES[guest], start=since)
    info = vm_info(m, "g")
    text = m.guest_console("g", rf"guest {guest}: done", timeout=60)
    assert info["off_reason"] == "powered off by the guest (ACPI S5)", (info, text)
    assert_guest_passed(text, guest)
    if guest == "hostile_svm":
        # The SVM instructions are #UD on Intel, and EFER.SVME is refused as on AMD-V.
        assert "guest hostile_svm: efer.svme cannot be set ok" in text
    if guest == "long64":
        assert "guest long64: ap startup, 4 cpus ok" in text


@GROUP_B
def test_hostile_guests_stop_only_themselves_under_vtx(bochs):
    """A triple fault and a jump into unbacked guest-physical memory each stop only their own VM, with a reason
    that names what happened; a guest spinning with interrupts masked is still preempted and turned off; a
    well-behaved VM counts on throughout. Two host CPUs: on a one-CPU Bochs 2.7 nothing (neither the host's
    timer interrupt nor the VMX-preemption timer) ever ends a guest's `cli; jmp .` loop (hv/vmx/README.md)."""
    m = vmx_host(bochs, cpus=2)
    m.run("vm new good kernel=counter mem=32M")
    assert "started" in m.run("vm start good")
    for name in ("hostile_triple", "hostile_exec", "hostile_spin"):
        m.run(f"vm new {name} kernel={name} mem=32M")
    since = m.mark()
    m.send("vm start hostile_triple\r")  # then type nothing until both are off
    wait_off(m, "hostile_triple", 120, start=since)
    since = m.mark()
    m.send("vm start hostile_exec\r")
    wait_off(m, "hostile_exec", 120, start=since)
    assert "started" in m.run("vm start hostile_spin")
    reason = vm_info(m, "hostile_triple")["off_reason"]
    assert "triple fault" in reason, reason
    assert "triple fault stops the vm" not in m.guest_console("hostile_triple", r"this triple-faults", timeout=60)
    assert "executed from guest-physical 0xe0000000" in vm_info(m, "hostile_exec")["off_reason"]
    for _ in range(3):
        assert vm_info(m, "hostile_spin")["state"] == "Running"
    first = counter_value(m, "good")
    assert "turned off" in m.run("vm turnoff hostile_spin", timeout=60)
    assert vm_info(m, "hostile_spin")["off_reason"] == "turned off from the shell"
    m.guest_console("good", rf"guest counter: {first + 2}\n", timeout=120)
    assert vm_info(m, "good")["state"] == "Running"


@GROUP_B
def test_four_vms_pause_resume_turnoff_under_vtx(bochs):
    """Four counter VMs at once on two host CPUs (VMXON on each, VMCSs on both): all count; a paused one stops
    counting and goes on from where it stopped after resume; turnoff stops each with the shell's reason."""
    m = vmx_host(bochs, cpus=2, megs=512)
    names = [f"c{i}" for i in range(4)]
    for n in names:
        m.run(f"vm new {n} kernel=counter mem=32M")
    for n in names:
        assert "started" in m.run(f"vm start {n}", timeout=60)
    for n in names:
        counter_value(m, n)
        assert vm_info(m, n)["state"] == "Running"
    assert "paused" in m.run("vm pause c1", timeout=60)
    assert vm_info(m, "c1")["state"] == "Paused"
    paused_at = counter_value(m, "c1")
    # While c1 is paused the others count on and c1's console stays where it was.
    others = {n: counter_value(m, n) for n in ("c0", "c2")}
    for n, value in others.items():
        m.guest_console(n, rf"guest counter: {value + 2}\n", timeout=120)
    assert counter_value(m, "c1") == paused_at
    assert "resumed" in m.run("vm resume c1", timeout=60)
    text = m.guest_console("c1", rf"guest counter: {paused_at + 2}\n", timeout=120)
    counts = [int(n) for n in re.findall(r"(?m)^guest counter: (\d+)$", text)]
    assert counts == list(range(1, counts[-1] + 1)), "the count skipped or restarted"
    for n in names:
        assert "turned off" in m.run(f"vm turnoff {n}", timeout=60)
        info = vm_info(m, n)
        assert info["state"] == "Off" and info["off_reason"] == "turned off from the shell", info
    # Afterwards a 4-vCPU VM spreads over both host CPUs (its VMCSs are cleared on each at the end).
    m.run("vm new l kernel=long64 mem=64M cpus=4 cmdline=cpus=4")
    since = m.mark()
    assert "started" in m.run("vm start l")
    wait_off(m, "l", DEADLINES["long64"], start=since)
    assert vm_info(m, "l")["off_reason"] == "powered off by the guest (ACPI S5)"
    assert_guest_passed(m.guest_console("l", r"guest long64: done", timeout=60), "long64")


@GROUP_A
def test_refused_guest_state_stops_only_its_vm_and_names_the_field(bochs):
    """A guest state that fails VM entry's checks (RFLAGS with reserved bit 15 set, put there by the debug shell
    while the VM is paused) stops that VM with a reason naming the failed check, through the same exit path as
    every other stop; the host and another VM run on."""
    m = vmx_host(bochs, cpus=2)
    for n in ("bad", "good"):
        m.run(f"vm new {n} kernel=counter mem=32M")
        assert "started" in m.run(f"vm start {n}", timeout=60)
    counter_value(m, "bad")
    assert "paused" in m.run("vm pause bad", timeout=60)
    assert "RFLAGS set to 0x8202" in m.run("debug rflags bad value=0x8202")
    since = m.mark()
    m.send("vm resume bad\r")
    wait_off(m, "bad", 120, start=since)
    reason = vm_info(m, "bad")["off_reason"]
    assert reason.startswith("vCPU 0: VM entry failed: invalid guest state (exit 33"), reason
    assert "guest RFLAGS 0x8202: reserved bits wrong" in reason, reason
    first = counter_value(m, "good")
    m.guest_console("good", rf"guest counter: {first + 2}\n", timeout=120)
    assert vm_info(m, "good")["state"] == "Running"
    assert m.host_show()["cpus_online"] == 2
