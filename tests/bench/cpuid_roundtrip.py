"""make bench: the cost of a CPUID exit round trip, in emulated instructions, on each backend. Boots the test
image, runs the cpuid_loop guest (tests/guests/cpuid_loop) in a VM and prints its figures:
  cpuid_roundtrip_svm   QEMU -icount shift=0,sleep=off, AMD-V: RDTSC advances one per emulated instruction
  cpuid_roundtrip_vmx   Bochs corei7_skylake_x, VT-x: with one CPU its TSC advances one per instruction
                        (`cpu: ips=` only sets how many instructions make an emulated second; `clock:
                        sync=none` keeps emulated time off the wall clock)
  cpuid_loop_anchor_*   the same loop with a NOP in place of CPUID: the loop's own instructions
Each figure is the least of many short runs divided by the run's length, so host interrupts, which land at
wall-clock-dependent points, never count: the same on every run and every machine. Both machines have one CPU
(under QEMU's icount the TSC counts every CPU's instructions; Bochs advances its SMP clock in quanta)."""
import argparse
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "system"))
import bochs  # noqa: E402
import keel  # noqa: E402


def measure(m, boot_timeout, run_timeout):
    """The guest's two figures on a started machine: (round trip, anchor) in TSC ticks per iteration."""
    m.wait_prompt(timeout=boot_timeout)
    m.run("vm new bench kernel=cpuid_loop mem=32M", timeout=60)
    since = m.mark()
    m.send("vm start bench\r")
    m.wait_for(r"vm bench: off: ", run_timeout, start=since)
    m.wait_for(keel.PROMPT_RE, 60, start=since)
    text = m.guest_console("bench", r"guest cpuid_loop: done, \d+ passed, 0 failed", timeout=60)
    trip = int(re.search(r"(?m)^guest cpuid_loop: cpuid round trip (\d+) tsc$", text).group(1))
    anchor = int(re.search(r"(?m)^guest cpuid_loop: anchor \(nop\) (\d+) tsc$", text).group(1))
    return trip, anchor


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iso", default=keel.TEST_ISO)
    ap.add_argument("--logs", default=os.path.join(keel.BUILD, "results", "logs"))
    args = ap.parse_args()

    machines = {
        "svm": lambda: keel.Keel(os.path.join(args.logs, "bench-cpuid-svm.log"), iso=args.iso, smp=1, mem=512,
                                 extra=["-icount", "shift=0,sleep=off"]),
        "vmx": lambda: bochs.Bochs(os.path.join(args.logs, "bench-cpuid-vmx.log"), model="corei7_skylake_x",
                                   cpus=1, megs=256, iso=args.iso),
    }
    # Measured wall times: QEMU boots in ~10 s, Bochs in ~30 s; the guest runs for a second or two.
    timeouts = {"svm": (120, 120), "vmx": (400, 300)}
    for name, make in machines.items():
        m = make()
        m.start()
        try:
            trip, anchor = measure(m, *timeouts[name])
        except AssertionError as e:
            print(f"bench: cpuid_roundtrip_{name}: {e}\nbench: full log in {m.log_path}", file=sys.stderr)
            return 1
        finally:
            m.kill()
        print(f"cpuid_roundtrip_{name} {trip} instructions")
        print(f"cpuid_loop_anchor_{name} {anchor} instructions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
