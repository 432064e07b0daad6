"""Issue 5: Debian's stock amd64 kernel, unmodified, boots on Keel with an initramfs whose /init
(tests/linux/init) prints what it sees; the test asserts it against `vm new`'s values."""
import re
import time

import pytest

import keel

LINUX = "kernel=vmlinuz-amd64 initrd=initrd"
CMDLINE = "console=ttyS0 panic=-1"


def start_host(boot, smp=2, mem=2560):
    m = boot(iso=keel.LINUX_ISO, smp=smp, mem=mem)
    m.wait_prompt()
    return m


def boot_linux(m, name, cpus=1, mem="256M", action="poweroff"):
    m.run(f'vm new {name} {LINUX} mem={mem} cpus={cpus} cmdline="{CMDLINE} keel.action={action}"')
    assert "started" in m.run(f"vm start {name}", timeout=60)


@pytest.mark.parametrize("cpus,mem,mem_mib", [(1, "128M", 128), (2, "256M", 256), (4, "256M", 256),
                                              (1, "2G", 2048)])
def test_amd64_kernel_boots_to_init(boot, cpus, mem, mem_mib):
    m = start_host(boot)
    boot_linux(m, "lx", cpus=cpus, mem=mem)
    m.wait_vm_state("lx", "Off", timeout=300)
    assert m.vm("lx")["off_reason"] == "powered off by the guest (ACPI S5)"
    text = m.guest_console("lx", r"init: action poweroff")
    assert_init_report(text, cpus, mem_mib)


def assert_init_report(text, cpus, mem_mib):
    """The guest's console up to /init's action line: /init saw `cpus` CPUs and `mem_mib` of RAM, ACPI found the
    MADT and the power button with no workaround on the command line, and the kernel went to S5."""
    online = re.search(r"(?m)^init: cpus online (\S+)$", text).group(1)
    assert online == ("0" if cpus == 1 else f"0-{cpus - 1}"), text[-2000:]
    total_kb = int(re.search(r"(?m)^init: MemTotal:\s+(\d+) kB$", text).group(1))
    # MemTotal is RAM less what the kernel keeps for itself (its image, about 48 MiB, and page structures,
    # about 2% of RAM): most of it, never more.
    assert mem_mib * 1024 * 0.9 - 48 * 1024 < total_kb < mem_mib * 1024, total_kb
    assert re.search(r"ACPI: Using IOAPIC for interrupt routing", text), text[-3000:]
    assert re.search(r"Power Button \[PWRF\]", text), text[-3000:]
    assert "noapic" not in text and "acpi=off" not in text
    assert "PM: Preparing to enter system sleep state S5" in text


def test_guest_clock_and_console(boot):
    m = start_host(boot)
    boot_linux(m, "lx", action="shell")
    m.send("vm connect lx\r")
    m.wait_for(r"connected to 'lx'")
    m.wait_for(r"init: shell ready", timeout=300)
    date = int(m.wait_for(r"(?m)^init: date (\d+)$", start=0).group(1))
    token = f"ping-{int(time.monotonic() * 1000) % 100000}"
    m.send(f"echo {token}\r")
    m.wait_for(rf"(?m)^{token}$", timeout=60)
    m.send("date +%s\r")
    guest_now = int(m.wait_for(r"(?m)^(\d{10})$", timeout=60).group(1))
    m.send(b"\x1d")
    m.wait_for(r"disconnected from 'lx'")
    m.wait_for(keel.PROMPT_RE)
    host_now = m.host_show()["time_unix"]
    assert abs(guest_now - host_now) <= 2, (guest_now, host_now)
    assert abs(date - host_now) <= 300
    m.run("vm turnoff lx")
