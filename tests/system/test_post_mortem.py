"""The harness's reading of a lost machine (tests/system/post_mortem.py): which ends count as QEMU's own
failure (and so run the test once more) and which are Keel's. The QEMU logs here are in the format QEMU 10
writes with -d cpu_reset (seen with tests/guests/hostile_triple.elf); the kernel is the one under test."""
import subprocess

import pytest

import keel
import post_mortem


def kernel_symbol(name):
    out = subprocess.run(["nm", keel.KERNEL], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        addr, _, sym = line.split(" ", 2)
        if sym == name:
            return addr
    raise AssertionError(f"{name} not in {keel.KERNEL}")


def reset_record(cpu, rip, cr2="0000000000000000"):
    return (f"CPU Reset (CPU {cpu})\n"
            f"RAX=0000000000000000 RBX=0000000000000000 RCX=0000000000000000 RDX=0000000000000000\n"
            f"RIP={rip} RFL=00000297 [--S-APC] CPL=0 II=0 A20=1 SMM=0 HLT=0\n"
            f"CR0=80010033 CR2={cr2} CR3=00000000002a9000 CR4=000006a0\n")


def power_on():
    return reset_record(0, "0000000000000000") + reset_record(1, "0000000000000000")


def write_log(tmp_path, text):
    path = tmp_path / "machine.log.qemu"
    path.write_text(text)
    return str(path)


def test_triple_fault_at_svm_vmexit_is_the_emulator_fault(tmp_path):
    vmexit = kernel_symbol("svm_vmexit")
    log = write_log(tmp_path, power_on() + "Triple fault\n" + reset_record(0, vmexit, "ffffffff801b3380")
                    + reset_record(1, kernel_symbol("sched_idle")))
    reason = post_mortem.emulator_fault(log, "", -9, keel.KERNEL)
    assert reason and "CPU 0 at svm_vmexit" in reason
    report = post_mortem.after_exit(log, keel.KERNEL)
    assert f"CPU 0: RIP {vmexit} svm_vmexit" in report and "CPU 1: RIP" in report and "sched_idle" in report


def test_other_triple_faults_are_keels(tmp_path):
    log = write_log(tmp_path, power_on() + "Triple fault\n" + reset_record(0, kernel_symbol("sched_idle")))
    assert post_mortem.emulator_fault(log, "", -9, keel.KERNEL) is None
    # The power-on records alone are no triple fault.
    assert post_mortem.emulator_fault(write_log(tmp_path, power_on()), "", 0, keel.KERNEL) is None
    assert post_mortem.after_exit(write_log(tmp_path, power_on()), keel.KERNEL) == "QEMU logged no triple fault"


def test_qemu_assertion_is_the_emulator_fault(tmp_path):
    log = write_log(tmp_path, power_on())
    stderr = ("qemu-system-x86_64: system/physmem.c:2678: iotlb_to_section: Assertion "
              "`section_index < d->map.sections_nb' failed.\n")
    assert "iotlb_to_section" in post_mortem.emulator_fault(log, stderr, -6, keel.KERNEL)


def test_a_machine_that_resets_unasked_is_stopped_and_not_an_emulator_fault(machine):
    machine.send("host reboot\r")
    with pytest.raises(keel.KeelTimeout) as failure:
        machine.wait_for("never printed", timeout=120)
    assert not isinstance(failure.value, keel.EmulatorFault), failure.value
    assert "QEMU ended" in str(failure.value)
    with open(machine.log_path, "rb") as f:
        assert b"the machine reset itself: stopped at its second boot" in f.read()
