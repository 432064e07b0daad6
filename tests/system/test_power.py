"""Issue 3: `host poweroff` ends QEMU with status 0; `host reboot` comes back to the prompt."""
import re


def test_poweroff_ends_qemu_with_status_0(machine):
    machine.send("host poweroff\r")
    machine.wait_for(r"powering off", timeout=30)
    assert machine.wait_exit(timeout=60) == 0


def test_reboot_returns_to_prompt(boot):
    m = boot(reboot=True)
    m.wait_prompt()
    m.send("host reboot\r")
    m.wait_for(r"rebooting", timeout=30)
    m.wait_for(r"(?m)^Keel \d+\.\d+", timeout=180)
    m.wait_prompt()
    assert re.search(r"Keel \d+\.\d+", m.run("version"))
    assert m.proc.poll() is None
