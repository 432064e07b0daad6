"""Issue 5: Debian's stock amd64 and 686 kernels, unmodified, boot on Keel with an initramfs whose /init
(tests/linux/init) prints what it sees and then acts; the tests assert it against `vm new`'s values."""
import re
import time

import pytest

import keel
from test_vm import assert_guest_passed

AMD64 = "kernel=vmlinuz-amd64 initrd=initrd"
I686 = "kernel=vmlinuz-686 initrd=initrd-686"
CMDLINE = "console=ttyS0 panic=-1"
BOOT_DEADLINE = 300  # seconds of wall time for a boot to /init on a loaded 2-core machine (about 15-40 s idle)


def start_host(boot, smp=2, mem=2560):
    m = boot(iso=keel.LINUX_ISO, smp=smp, mem=mem)
    m.wait_prompt()
    return m


def boot_linux(m, name, kernel=AMD64, cpus=1, mem="256M", action="poweroff"):
    m.run(f'vm new {name} {kernel} mem={mem} cpus={cpus} cmdline="{CMDLINE} keel.action={action}"')
    assert "started" in m.run(f"vm start {name}", timeout=60)


def assert_powered_off(m, name):
    """VM `name` went Off because its guest powered off; if not, the report names why and shows the end of
    the guest's console."""
    reason = m.vm(name)["off_reason"]
    assert reason == "powered off by the guest (ACPI S5)", \
        f"VM {name}: {reason}; its console ended with:\n{m.run(f'vm console {name} lines=40')}"


def assert_booted(text, cpus, mem_mib):
    """/init's report matches the VM; ACPI found the MADT's IOAPIC and the power button, with no workaround."""
    online = re.search(r"(?m)^init: cpus online (\S+)$", text).group(1)
    assert online == ("0" if cpus == 1 else f"0-{cpus - 1}"), text[-2000:]
    total_kb = int(re.search(r"(?m)^init: MemTotal:\s+(\d+) kB$", text).group(1))
    # MemTotal is RAM less what the kernel keeps for itself (its image, about 48 MiB, and page structures,
    # about 2% of RAM): most of it, never more.
    assert mem_mib * 1024 * 0.9 - 48 * 1024 < total_kb < mem_mib * 1024, total_kb
    assert re.search(r"ACPI: Using IOAPIC for interrupt routing", text), text[-3000:]
    assert re.search(r"Power Button \[PWRF\]", text), text[-3000:]
    assert "noapic" not in text and "acpi=off" not in text
    # The clock comes from the Hyper-V frequency MSRs, not from calibrating emulated timers.
    assert "Hyper-V: LAPIC Timer Frequency" in text and "Switched to clocksource tsc" in text, text[-3000:]


@pytest.mark.parametrize("cpus,mem,mem_mib", [(1, "128M", 128), (2, "256M", 256), (4, "256M", 256),
                                              (1, "2G", 2048)])
def test_amd64_kernel_boots_to_init_and_powers_off(boot, cpus, mem, mem_mib):
    m = start_host(boot)
    boot_linux(m, "lx", cpus=cpus, mem=mem)
    m.wait_vm_state("lx", "Off", timeout=BOOT_DEADLINE)
    assert_powered_off(m, "lx")
    text = m.guest_console("lx", r"init: action poweroff")
    assert_booted(text, cpus, mem_mib)
    assert "PM: Preparing to enter system sleep state S5" in text


def test_686_kernel_boots_to_init_with_two_vcpus(boot):
    m = start_host(boot)
    boot_linux(m, "l32", kernel=I686, cpus=2, mem="256M")
    m.wait_vm_state("l32", "Off", timeout=BOOT_DEADLINE)
    assert_powered_off(m, "l32")
    text = m.guest_console("l32", r"init: action poweroff")
    assert re.search(r"(?m)^\[ *[0-9.]+\] Linux version \S+-686 ", text), text[:2000]
    assert_booted(text, 2, 256)


def test_guest_clock_and_console(boot):
    m = start_host(boot)
    boot_linux(m, "lx", action="shell")
    m.send("vm connect lx\r")
    m.wait_for(r"connected to 'lx'")
    m.wait_for(r"init: shell ready", timeout=BOOT_DEADLINE)
    token = f"ping-{int(time.monotonic() * 1000) % 100000}"
    m.send(f"echo {token}\r")
    m.wait_for(rf"(?m)^{token}$", timeout=60)
    # Some wall time in the guest first, so that a clock running at the wrong rate shows.
    m.send("sleep 5; date +%s\r")
    guest_now = int(m.wait_for(r"(?m)^(\d{10})$", timeout=60).group(1))
    seen = time.monotonic()
    m.send(b"\x1d")
    m.wait_for(r"disconnected from 'lx'")
    m.wait_for(keel.PROMPT_RE)
    host_now = m.host_show()["time_unix"]
    # Keel's clock when the guest's line arrived: its reply came later by what this machine measured.
    host_then = host_now - (time.monotonic() - seen)
    assert abs(guest_now - host_then) <= 2, (guest_now, host_now, host_then)
    assert "Running" in m.run("vm show lx")
    m.run("vm turnoff lx")


def test_vm_shutdown_powers_off_a_guest_running_acpid(boot):
    m = start_host(boot)
    boot_linux(m, "lx", action="acpid")
    m.guest_console("lx", r"init: acpid ready", timeout=BOOT_DEADLINE)
    reply = m.run("vm shutdown lx timeout=60", timeout=90)
    assert "shut down" in reply, reply
    info = m.vm("lx")
    assert info["state"] == "Off" and info["off_reason"] == "powered off by the guest (ACPI S5)", info
    text = m.guest_console("lx", r"init: power button")
    assert "acpid: PWRF/00000080" in text


def test_reboot_in_the_guest_restarts_it(boot):
    m = start_host(boot)
    boot_linux(m, "lx", action="reboot")
    m.wait_vm_state("lx", "Off", timeout=2 * BOOT_DEADLINE)
    text = m.guest_console("lx", r"init: back after reboot")
    assert text.count("Run /init as init process") == 2, text[-3000:]
    assert text.index("init: rebooting") < text.index("init: back after reboot")
    assert_powered_off(m, "lx")


def test_two_linux_guests_beside_two_small_guests_on_two_cpus(boot):
    m = start_host(boot, smp=2)
    boot_linux(m, "la", cpus=2)
    boot_linux(m, "lb", kernel=I686)
    assert "created" in m.run("vm new h kernel=hello")
    assert "created" in m.run("vm new c kernel=counter")
    assert "started" in m.run("vm start h")
    assert "started" in m.run("vm start c")
    for name, cpus in (("la", 2), ("lb", 1)):
        m.wait_vm_state(name, "Off", timeout=2 * BOOT_DEADLINE)
        assert_powered_off(m, name)
        assert_booted(m.guest_console(name, r"init: action poweroff"), cpus, 256)
    m.wait_vm_state("h", "Off")
    assert_guest_passed(m.guest_console("h", r"guest hello: done"), "hello")
    # The counter kept counting all along and still answers its power button.
    before = int(re.findall(r"(?m)^guest counter: (\d+)$", m.guest_console("c", r"guest counter: \d+"))[-1])
    assert before > 10
    assert "shut down" in m.run("vm shutdown c timeout=30", timeout=60)
