"""What a failed test's machine was doing, for its report: where each CPU of a live QEMU stands (read over
QEMU's monitor, with the Keel functions found on its stack), or, when QEMU is gone, whether it logged a
triple fault and where each CPU stood then. Also: which ends were QEMU's own failure (emulator_fault).

Kernel addresses are named with addr2line on the kernel ELF; a stack scan lists every word on the stack that
points into Keel's text, so stale words appear too: read it as "these functions were here", not as a call
chain.
"""
import re
import socket
import subprocess
import time

KERNEL_TEXT = re.compile(r"^ffffffff8[0-9a-f]{7}$")
STACK_WORDS = 64


class Monitor:
    """QEMU's human monitor on a Unix socket; each command returns its reply text."""

    def __init__(self, path, timeout=5.0):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.timeout = timeout
        self._reply()  # the greeting and first prompt

    def _reply(self):
        buf = b""
        deadline = time.monotonic() + self.timeout
        while not buf.rstrip().endswith(b"(qemu)") and time.monotonic() < deadline:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                break
            buf += chunk
        text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]|\r", "", buf.decode(errors="replace"))
        return text.rsplit("(qemu)", 1)[0]

    def command(self, cmd):
        self.sock.sendall(cmd.encode() + b"\n")
        reply = self._reply()
        # The monitor echoes the command line first.
        return reply.split("\n", 1)[1] if "\n" in reply else ""

    def close(self):
        self.sock.close()


def symbolize(kernel, addresses):
    """{address: 'function (file:line)'} for the addresses addr2line can name in `kernel`."""
    if not addresses:
        return {}
    try:
        out = subprocess.run(["addr2line", "-f", "-s", "-e", kernel] + list(addresses), capture_output=True,
                             text=True, timeout=30).stdout.splitlines()
    except (OSError, subprocess.TimeoutExpired):
        return {}
    names = {}
    for addr, func, place in zip(addresses, out[0::2], out[1::2]):
        if func != "??":
            names[addr] = func if place.startswith("??") else f"{func} ({place})"
    return names


def _registers(text):
    regs = dict(re.findall(r"\b([A-Z][A-Z0-9]{1,3})=([0-9a-f]+)\b", text))
    return regs


def live(monitor_path, kernel, cpus):
    """Each CPU's RIP, halt state, local APIC ISR and IRR and the Keel functions on its stack, read from a
    running QEMU."""
    try:
        mon = Monitor(monitor_path)
    except OSError as e:
        return f"(no monitor: {e})"
    lines = []
    try:
        status = mon.command("info status").strip()
        mon.command("stop")  # one consistent picture of all CPUs
        lines.append(f"QEMU {status}; stopped for this report")
        per_cpu = []
        for i in range(cpus):
            mon.command(f"cpu {i}")
            regs = _registers(mon.command("info registers"))
            words = []
            if regs.get("RSP"):
                dump = mon.command(f"x/{STACK_WORDS}gx 0x{regs['RSP']}")
                words = re.findall(r"0x([0-9a-f]{16})\b", dump)
            # A lost EOI leaves the vector in ISR and blocks every vector of its class and below.
            apic = mon.command("info lapic")
            isr_irr = ", ".join(" ".join(l.split()) for l in apic.splitlines() if l.startswith(("ISR", "IRR")))
            per_cpu.append((i, regs, [w for w in words if KERNEL_TEXT.match(w)], isr_irr))
    except OSError as e:
        lines.append(f"(monitor: {e})")
        per_cpu = []
    finally:
        mon.close()
    wanted = sorted({r.get("RIP", "") for _, r, _, _ in per_cpu} | {w for _, _, ws, _ in per_cpu for w in ws}
                    - {""})
    names = symbolize(kernel, wanted)
    for i, regs, stack, isr_irr in per_cpu:
        rip = regs.get("RIP", "?")
        lines.append(f"CPU {i}: RIP {rip} {names.get(rip, '(not in Keel: a guest, or firmware)')}"
                     f" RSP {regs.get('RSP', '?')} CR3 {regs.get('CR3', '?')} HLT {regs.get('HLT', '?')};"
                     f" local APIC {isr_irr}")
        seen = []
        for w in stack:
            if w in names and names[w] not in seen:
                seen.append(names[w])
        for name in seen:
            lines.append(f"    on stack: {name}")
    return "\n".join(lines)


def _symbol_address(kernel, name):
    try:
        out = subprocess.run(["nm", kernel], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(rf"(?m)^([0-9a-f]{{16}}) \S {re.escape(name)}$", out)
    return m.group(1) if m else None


def triple_fault_cpus(qemu_log):
    """[(cpu, registers)] from the CPU reset records QEMU logged after its last "Triple fault" line (the
    state each CPU was in when the machine reset), or None when it logged no triple fault."""
    try:
        with open(qemu_log, errors="replace") as f:
            text = f.read()
    except OSError:
        return None
    if "Triple fault" not in text:
        return None
    after = text.rsplit("Triple fault", 1)[1]
    return [(int(cpu), _registers(body))
            for cpu, body in re.findall(r"(?ms)^CPU Reset \(CPU (\d+)\)\n(.*?)(?=^CPU Reset|\Z)", after)]


def after_exit(qemu_log, kernel):
    """Whether QEMU logged a triple fault, and where each CPU was when it did."""
    cpus = triple_fault_cpus(qemu_log)
    if cpus is None:
        return "QEMU logged no triple fault"
    names = symbolize(kernel, sorted({r.get("RIP", "") for _, r in cpus} - {""}))
    lines = [f"QEMU logged a triple fault: the host reset itself ({qemu_log}); the CPUs then:"]
    for cpu, regs in cpus:
        rip = regs.get("RIP", "?")
        lines.append(f"CPU {cpu}: RIP {rip} {names.get(rip, '(not in Keel)')} CR2 {regs.get('CR2', '?')} "
                     f"CR3 {regs.get('CR3', '?')}")
    return "\n".join(lines)


def emulator_fault(qemu_log, stderr_text, returncode, kernel):
    """Why a machine's end was QEMU's failure, not Keel's, or None. Two signatures only:
    QEMU stopped on an assertion of its own (it aborts), and the host fault DESIGN.md describes: a triple
    fault whose CPU stood at svm_vmexit, the host's first instruction after #VMEXIT, which QEMU's TCG now and
    then cannot fetch although Keel's page tables map it (its registers are the host's, its tables intact)."""
    if returncode == -6 or "Assertion" in stderr_text:
        return "QEMU aborted: " + (stderr_text.strip().splitlines() or ["(no message)"])[-1]
    cpus = triple_fault_cpus(qemu_log)
    if not cpus:
        return None
    vmexit = _symbol_address(kernel, "svm_vmexit")
    for cpu, regs in cpus:
        if vmexit and regs.get("RIP") == vmexit:
            return f"host triple fault on CPU {cpu} at svm_vmexit (QEMU's failing fetch after #VMEXIT)"
    return None
