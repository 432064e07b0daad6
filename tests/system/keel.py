"""Drive one Keel machine under QEMU over its serial console: boot, wait for lines, run shell commands.

Every wait has a deadline; nothing sleeps to synchronise. The serial port is QEMU's stdio (pipes): a reader
thread appends every byte to the machine's log file and to an in-memory buffer that waits search.
"""
import ctypes
import json
import os
import signal
import re
import shutil
import subprocess
import tempfile
import threading
import time

import post_mortem

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("KEEL_BUILD", os.path.join(REPO, "build"))
ISO = os.environ.get("KEEL_ISO", os.path.join(BUILD, "keel.iso"))
TEST_ISO = os.environ.get("KEEL_TEST_ISO", os.path.join(BUILD, "keel-test.iso"))
LINUX_ISO = os.environ.get("KEEL_LINUX_ISO", os.path.join(BUILD, "keel-linux.iso"))
PXE = os.environ.get("KEEL_PXE", os.path.join(BUILD, "pxe"))
KERNEL = os.environ.get("KEEL_KERNEL", os.path.join(BUILD, "keel.elf"))
OVMF = os.environ.get("KEEL_OVMF", "/usr/share/ovmf/OVMF.fd")
QEMU = os.environ.get("KEEL_QEMU", "qemu-system-x86_64")
# Where QEMU logs CPU resets and guest errors, one file per machine (default: beside the serial log).
QEMU_LOG_DIR = os.environ.get("KEEL_QEMU_LOG_DIR")

# QEMU's log record of a reset of the boot CPU (with -d cpu_reset).
CPU0_RESET = b"CPU Reset (CPU 0)\n"
PROMPT = "keel> "
PROMPT_RE = r"(?m)^keel> "
# The host key thread's last word on the console (see docs/CONSOLE.md).
HOST_KEY_DONE_RE = (r"host key: certificate CN=\S+, sha256 fingerprint [0-9a-f]{64}\n"
                    r"|network shell: closed: this host has no TLS key")
# Measured: the slowest path (PXE under UEFI) reaches the prompt in ~11 s with three machines on two cores.
BOOT_TIMEOUT = float(os.environ.get("KEEL_BOOT_TIMEOUT", "60"))
CMD_TIMEOUT = float(os.environ.get("KEEL_CMD_TIMEOUT", "30"))

# The boot paths of DESIGN.md, each added to the common machine arguments.
BOOT_PATHS = {
    "iso-bios": lambda iso, pxe: ["-nic", "none", "-cdrom", iso],
    "iso-uefi": lambda iso, pxe: ["-nic", "none", "-bios", OVMF, "-cdrom", iso],
    "usb-bios": lambda iso, pxe: ["-nic", "none"] + _usb(iso),
    "usb-uefi": lambda iso, pxe: ["-nic", "none", "-bios", OVMF] + _usb(iso),
    "pxe-bios": lambda iso, pxe: [
        "-netdev", f"user,id=n0,restrict=on,tftp={pxe},bootfile=/boot/grub/i386-pc/core.0",
        "-device", "e1000,netdev=n0", "-boot", "n"],
    "pxe-uefi": lambda iso, pxe: [
        "-bios", OVMF,
        "-netdev", f"user,id=n0,restrict=on,tftp={pxe},bootfile=/boot/grub/x86_64-efi/core.efi",
        "-device", "virtio-net-pci,netdev=n0,bootindex=1"],
}


def _die_with_parent():
    """In the child before exec: QEMU gets SIGKILL if the test process dies without its teardown."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _usb(iso):
    return ["-drive", f"if=none,id=u,file={iso},format=raw,readonly=on",
            "-device", "qemu-xhci", "-device", "usb-storage,drive=u,bootindex=1"]


# Terminal control sequences (GRUB and OVMF draw menus with them) and carriage returns.
_NOISE = re.compile(rb"\x1b\[[0-9;=?]*[A-Za-z]|\x1b[()][0-9A-Za-z]|\x1b[=>c78]|\r")
# An escape sequence cut at the end of the buffer: kept out of the cleaned text until it completes.
_PARTIAL = re.compile(rb"\x1b(\[[0-9;=?]*|[()])?$")


def clean(raw):
    """Serial bytes → text: control sequences and CRs removed (GRUB's and OVMF's screen drawing)."""
    return _NOISE.sub(b"", raw).decode("utf-8", "replace")



def image_with_config(directory, cfg_text, name="keel.iso", guests=(), kernel=None):
    """Builds an ISO of the current kernel (or `kernel`) whose keel.cfg module holds cfg_text, with the guest
    image files `guests` as modules named after them; returns its path."""
    cfg = os.path.join(directory, "keel.cfg")
    with open(cfg, "w") as f:
        f.write(cfg_text)
    iso = os.path.join(directory, name)
    built = subprocess.run([os.path.join(REPO, "image", "mkiso.sh"), kernel or KERNEL, cfg, iso],
                           env=dict(os.environ, GUESTS=" ".join(guests)), capture_output=True, text=True,
                           timeout=120)
    assert built.returncode == 0, f"image/mkiso.sh failed:\n{built.stdout}{built.stderr}"
    return iso

class KeelTimeout(AssertionError):
    pass


class EmulatorFault(KeelTimeout):
    """The machine ended by a failure of QEMU's own (post_mortem.emulator_fault), not of Keel: the test is
    run once more (pytest-rerunfailures, --only-rerun EmulatorFault); docs/EMULATOR_FAULTS.md."""


class Keel:
    """One QEMU machine. Use start(), then wait_for()/run(); kill() (always called by the fixtures) ends it."""

    EMULATOR = "qemu"
    _monitor_dir = None

    def __init__(self, log_path, boot="iso-bios", cpu="max", smp=4, mem=2048, reboot=False,
                 iso=None, pxe=None, extra=()):
        if boot not in BOOT_PATHS:
            raise ValueError(f"unknown boot path {boot!r}; known: {', '.join(BOOT_PATHS)}")
        self.boot = boot
        self.log_path = log_path
        self.argv = [QEMU, "-accel", "tcg", "-machine", "q35", "-cpu", cpu, "-smp", str(smp),
                     "-m", str(mem), "-display", "none", "-serial", "stdio"]
        # No -no-reboot: a machine that resets unasked is stopped by the reader as its second boot begins
        # instead, so that QEMU's reset records hold each CPU's registers at a triple fault.
        self.reboot = reboot
        self.argv += BOOT_PATHS[boot](os.path.abspath(iso or ISO), os.path.abspath(pxe or PXE))
        self.argv += list(extra)
        # QEMU's own record of CPU resets and guest errors: it says whether a lost machine triple-faulted.
        self.qemu_log = os.path.join(QEMU_LOG_DIR or os.path.dirname(log_path),
                                     os.path.basename(log_path) + ".qemu")
        self.argv += ["-d", "cpu_reset,guest_errors", "-D", self.qemu_log]
        # The monitor is only for post_mortem(); a socket path must stay short, hence its own directory.
        self._monitor_dir = tempfile.mkdtemp(prefix="keel-mon-")
        self.monitor_path = os.path.join(self._monitor_dir, "m")
        self.argv += ["-monitor", f"unix:{self.monitor_path},server,nowait"]
        self.smp = smp
        self._init_serial_state()

    def _init_serial_state(self):
        """What the reader and the waits keep about one machine's serial line (subclasses call it too)."""
        self.proc = None
        self._raw = bytearray()
        self._qemu_log_read = 0  # bytes of QEMU's log read so far
        self._cpu0_resets = 0    # CPU 0's reset records in them
        self._cond = threading.Condition()
        self._eof = False
        self._cursor = 0        # index in the cleaned text: waits search from here
        self.started_at = None
        self.prompt_at = None   # wall time of the first prompt, set by wait_prompt()

    # -- life cycle -------------------------------------------------------------------------------------
    def start(self):
        os.makedirs(os.path.dirname(self.log_path), exist_ok=True)
        self._log = open(self.log_path, "wb", buffering=0)
        self._log.write(("# " + " ".join(self.argv) + "\n").encode())
        self._stderr = open(self.log_path + ".stderr", "wb")
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._stderr, bufsize=0, preexec_fn=_die_with_parent)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        return self

    def _serial_fd(self):
        """Where the machine's serial output is read from."""
        return self.proc.stdout.fileno()

    def _read(self):
        fd = self._serial_fd()
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            with self._cond:
                if not chunk:
                    self._eof = True
                    self._cond.notify_all()
                    return
                self._raw += chunk
                self._log.write(chunk)
                if not self.reboot and self._reset_since_power_on() and self.proc.poll() is None:
                    self._log.write(b"\n# the machine reset itself: stopped at its second boot\n")
                    self.proc.kill()
                self._cond.notify_all()

    def _reset_since_power_on(self):
        """Whether QEMU's log shows a machine reset after power-on. CPU 0's reset record comes twice at power-on
        (creation, then the first system reset) and once more at each reset of the machine; CPU 0 is never
        sent an INIT alone. A reset puts firmware output on the serial line, so checking as it arrives is
        soon enough."""
        try:
            with open(self.qemu_log, "rb") as f:
                f.seek(self._qemu_log_read)
                new = f.read()
        except OSError:
            return False
        # A record cut at the end of the file is read again next time.
        keep = len(new) - new.rfind(b"\n") - 1 if b"\n" in new else len(new)
        self._qemu_log_read += len(new) - keep
        self._cpu0_resets += new[:len(new) - keep].count(CPU0_RESET)
        return self._cpu0_resets > 2

    def _close_serial(self):
        """Close this machine's end of the serial line (QEMU's pipes)."""
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass

    def kill(self):
        """Stop the emulator (if running) and close the log. Safe to call twice."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        self._close_serial()
        self._reader.join(timeout=5)
        self._stderr.close()
        try:
            with open(self.log_path + ".stderr", "rb") as f:
                err = f.read()
            os.unlink(self.log_path + ".stderr")
            if err:
                self._log.write(f"\n# {self.EMULATOR} stderr:\n".encode() + err)
        except OSError:
            pass
        self._log.write(f"\n# {self.EMULATOR} exit status {self.proc.returncode}\n".encode())
        self._log.close()
        self.proc = None
        if self._monitor_dir:
            shutil.rmtree(self._monitor_dir, ignore_errors=True)

    def post_mortem(self):
        """For a failed test's report: where each CPU stands if QEMU still runs (it is stopped for the
        reading), else whether QEMU logged a triple fault and where the CPUs stood."""
        if self.proc is None:
            return "(machine already stopped)"
        if self.proc.poll() is None:
            return post_mortem.live(self.monitor_path, KERNEL, self.smp)
        report = post_mortem.after_exit(self.qemu_log, KERNEL)
        fault = self.emulator_fault()
        return report + (f"\nemulator fault: {fault}" if fault else "")

    def wait_exit(self, timeout):
        """Wait for QEMU to end by itself; returns its exit status or raises KeelTimeout."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise KeelTimeout(f"QEMU still running after {timeout:.0f} s") from None

    # -- reading ----------------------------------------------------------------------------------------
    def text(self):
        """Everything read so far, cleaned (an escape sequence still arriving is left out)."""
        with self._cond:
            raw = bytes(self._raw)
        m = _PARTIAL.search(raw)
        return clean(raw[:m.start()] if m else raw)

    def console(self):
        """What Keel printed: the cleaned text from its first banner line `Keel VERSION` on (GRUB's noise cut)."""
        t = self.text()
        m = re.search(r"(?m)^Keel \d", t)
        return t[m.start():] if m else ""

    def tail(self, lines=40):
        return "\n".join(self.text().splitlines()[-lines:])

    def mark(self):
        """Move the search cursor to the end of what has been read; returns it."""
        self._cursor = len(self.text())
        return self._cursor

    def wait_for(self, pattern, timeout=CMD_TIMEOUT, start=None):
        """Wait until regex `pattern` appears after the cursor (or after `start`); returns the match and moves
        the cursor past it. Raises KeelTimeout at the deadline or if QEMU ends first."""
        rx = re.compile(pattern)
        pos = self._cursor if start is None else start
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                m = rx.search(self._text_locked(), pos)
                if m:
                    self._cursor = m.end()
                    return m
                left = deadline - time.monotonic()
                if left <= 0:
                    raise KeelTimeout(f"{pattern!r} not seen within {timeout:.0f} s "
                                      f"(boot {self.boot}); serial tail:\n{self.tail(15)}")
                if self._eof:
                    break
                self._cond.wait(min(left, 1.0))
        try:
            status = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            status = "unknown: its serial line closed"
        message = f"QEMU ended (status {status}) before {pattern!r} appeared; serial tail:\n{self.tail(15)}"
        fault = self.emulator_fault()
        if fault:
            raise EmulatorFault(f"emulator fault: {fault}; {message}")
        raise KeelTimeout(message)

    def emulator_fault(self):
        """Why this ended machine's end was QEMU's failure, or None (post_mortem.emulator_fault)."""
        try:
            with open(self.log_path + ".stderr", errors="replace") as f:
                stderr_text = f.read()
        except OSError:
            stderr_text = ""
        return post_mortem.emulator_fault(self.qemu_log, stderr_text, self.proc.returncode, KERNEL)

    def _text_locked(self):
        raw = bytes(self._raw)
        m = _PARTIAL.search(raw)
        return clean(raw[:m.start()] if m else raw)

    def wait_prompt(self, timeout=BOOT_TIMEOUT):
        """Wait for the shell's first prompt after boot (or a reboot); returns seconds since QEMU started.
        The host key is made beside the shell: this also waits for its fingerprint line (or the line saying
        there is no key), which would otherwise land in the first commands' replies. The search cursor stays
        just after the prompt."""
        boot_start = self._cursor
        self.wait_for(PROMPT_RE, timeout)
        self.prompt_at = time.monotonic()
        after_prompt = self._cursor
        self.wait_for(HOST_KEY_DONE_RE, timeout, start=boot_start)
        self._cursor = after_prompt
        return self.prompt_at - self.started_at

    # -- writing ----------------------------------------------------------------------------------------
    def send(self, data):
        """Type raw characters on the serial line (str or bytes); no newline is added."""
        if isinstance(data, str):
            data = data.encode()
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def run(self, cmd, timeout=CMD_TIMEOUT):
        """Type `cmd` and Enter at the prompt; returns its output: the lines after the echoed command up to the
        next prompt (CR and control sequences removed, no trailing newline)."""
        start = self.mark()
        self.send(cmd + "\r")
        m = self.wait_for(PROMPT_RE, timeout)
        out = self.text()[start:m.start()]
        # Drop the echo of the typed line (up to the first newline).
        nl = out.find("\n")
        out = out[nl + 1:] if nl >= 0 else ""
        return out.rstrip("\n")

    def json_command(self, cmd):
        """Runs `cmd` (a --json command) and decodes the JSON object in its output; a log line that lands
        on the same serial line right after the object is left out."""
        out = self.run(cmd)
        for line in out.splitlines():
            start = line.find("{")
            if start >= 0:
                return json.JSONDecoder().raw_decode(line[start:])[0]
        raise AssertionError(f"no JSON object in `{cmd}` output:\n{out}")

    def host_show(self):
        """`host show --json` parsed."""
        return self.json_command("host show --json")

    # -- virtual machines ------------------------------------------------------------------------------
    def vm(self, name):
        """`vm show NAME --json` parsed."""
        return self.json_command(f"vm show {name} --json")

    def wait_vm_state(self, name, state, timeout=CMD_TIMEOUT):
        """Ask `vm show` until VM `name` is in `state` (each answer is a real reply, no sleeping); raises at
        the deadline with the last state seen."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.vm(name)["state"]
            if got == state:
                return
            if time.monotonic() > deadline:
                raise KeelTimeout(f"VM {name} is {got}, not {state}, after {timeout:.0f} s")

    def guest_console(self, name, until, timeout=CMD_TIMEOUT):
        """Connect to VM `name`'s console, wait for regex `until` in the guest's output, detach with Ctrl-]
        and return the console text seen (history included)."""
        start = self.mark()
        self.send(f"vm connect {name}\r")
        self.wait_for(r"connected to ")
        self.wait_for(until, timeout)
        self.send(b"\x1d")
        m = self.wait_for(rf"disconnected from '{re.escape(name)}'")
        self.wait_for(PROMPT_RE)
        return self.text()[start:m.start()]
