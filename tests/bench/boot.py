"""make bench: deterministic boot figures. Boots the ISO under QEMU with -icount shift=0,sleep=off (RDTSC advances
one per emulated instruction) and prints one `name value unit` per line:
  boot_to_prompt_instructions  emulated instructions from kernel entry to the first prompt (the kernel's
                               `boot: entry tsc=N prompt tsc=M` line)
  kernel_size, iso_size        bytes
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "system"))
import keel  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iso", default=keel.ISO)
    ap.add_argument("--kernel", default=keel.KERNEL)
    ap.add_argument("--log", default=os.path.join(keel.BUILD, "results", "logs", "bench-boot.log"))
    ap.add_argument("--timeout", type=float, default=120)
    args = ap.parse_args()

    log = args.log
    m = keel.Keel(log, iso=args.iso, extra=["-icount", "shift=0,sleep=off"])
    m.start()
    try:
        match = m.wait_for(r"boot: entry tsc=(\d+) prompt tsc=(\d+)", timeout=args.timeout)
    except AssertionError as e:
        print(f"bench: {e}\nbench: full log in {log}", file=sys.stderr)
        return 1
    finally:
        m.kill()
    entry, prompt = int(match.group(1)), int(match.group(2))
    if prompt < entry:
        print(f"bench: prompt tsc {prompt} is before entry tsc {entry}: the kernel's TSC went backwards "
              f"(reset or per-CPU TSCs?); see {log}", file=sys.stderr)
        return 1
    print(f"boot_to_prompt_instructions {prompt - entry} instructions")
    print(f"kernel_size {os.path.getsize(args.kernel)} bytes")
    print(f"iso_size {os.path.getsize(args.iso)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
