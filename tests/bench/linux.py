"""make bench: emulated instructions from `vm start` to the first line /init prints (`init: tsc N`, the guest's
RDTSC), for Debian's amd64 kernel with 1 vCPU on Keel, beside the same kernel and initramfs booted by QEMU
itself (-kernel -initrd -append) at the same -icount shift=0,sleep=off, where the TSC counts emulated
instructions from power-on (firmware and QEMU's loader included). Prints `name value unit` lines:
  linux_start_to_init_keel   from Keel's start_tsc of the VM to /init's TSC
  linux_start_to_init_qemu   from power-on to /init's TSC under plain QEMU
  linux_start_to_init_ratio  keel / qemu
"""
import argparse
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "system"))
import keel  # noqa: E402

ICOUNT = ["-icount", "shift=0,sleep=off"]
CMDLINE = "console=ttyS0 panic=-1 keel.action=poweroff"


def on_keel(iso, log, timeout):
    m = keel.Keel(log, iso=iso, smp=2, mem=1024, extra=ICOUNT)
    m.start()
    try:
        m.wait_prompt(timeout=timeout)
        m.run(f'vm new lx kernel=vmlinuz-amd64 initrd=initrd mem=256M cpus=1 cmdline="{CMDLINE}"')
        m.run("vm start lx", timeout=timeout)
        m.wait_vm_state("lx", "Off", timeout=timeout)
        start = m.vm("lx")["start_tsc"]
        init = int(re.search(r"(?m)^init: tsc (\d+)$", m.guest_console("lx", r"init: tsc \d+")).group(1))
        return init - start
    finally:
        m.kill()


def on_qemu(kernel, initrd, log, timeout):
    cmd = [keel.QEMU, "-accel", "tcg", "-monitor", "none", "-machine", "q35", "-cpu", "max", "-smp", "1", "-m", "256", "-display", "none",
           "-no-reboot", "-serial", "stdio", "-kernel", kernel, "-initrd", initrd, "-append", CMDLINE] + ICOUNT
    out = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=timeout).stdout
    with open(log, "w") as f:
        f.write(" ".join(cmd) + "\n" + out)
    return int(re.search(r"(?m)^init: tsc (\d+)\r?$", out).group(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iso", default=keel.LINUX_ISO)
    ap.add_argument("--kernel", default=os.path.join(keel.BUILD, "linux", "vmlinuz-amd64"))
    ap.add_argument("--initrd", default=os.path.join(keel.BUILD, "linux", "initrd.gz"))
    ap.add_argument("--logs", default=os.path.join(keel.BUILD, "results", "logs"))
    ap.add_argument("--timeout", type=float, default=900)
    args = ap.parse_args()
    try:
        k = on_keel(args.iso, os.path.join(args.logs, "bench-linux-keel.log"), args.timeout)
        q = on_qemu(args.kernel, args.initrd, os.path.join(args.logs, "bench-linux-qemu.log"), args.timeout)
    except (AssertionError, AttributeError, subprocess.TimeoutExpired) as e:
        print(f"bench: linux boot: {e}; logs in {args.logs}", file=sys.stderr)
        return 1
    print(f"linux_start_to_init_keel {k} instructions")
    print(f"linux_start_to_init_qemu {q} instructions")
    print(f"linux_start_to_init_ratio {k / q:.2f} keel/qemu")
    return 0


if __name__ == "__main__":
    sys.exit(main())
