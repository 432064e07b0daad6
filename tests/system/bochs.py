"""Keel under Bochs (DESIGN.md has the verified configuration): Debian's build has no `nogui` display, needs
its sound off and its debugger told to continue. Emulated time follows the instruction count alone (`clock:
sync=none`: 50 million instructions make an emulated second), never the wall clock. The serial console is a
pty in raw mode; the Keel class's waits and commands work unchanged on it."""
import os
import subprocess
import threading
import time
import tty

import keel

BOCHS = os.environ.get("KEEL_BOCHS", "bochs")

CONFIG = """megs: {megs}
cpu: model={model}, count={cpus}, ips=50000000
clock: sync=none
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
ata0-master: type=cdrom, path={iso}, status=inserted
boot: cdrom
com1: enabled=1, mode=term, dev={pty}
display_library: rfb, options="timeout=0"
speaker: enabled=0
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
log: {log}
panic: action=fatal
error: action=report
"""


class Bochs(keel.Keel):
    """One Bochs machine booting a Keel ISO; `model` is a Bochs cpu model (ryzen: AMD-V, corei7_skylake_x:
    VT-x with EPT)."""

    EMULATOR = "bochs"

    def __init__(self, log_path, model="ryzen", cpus=1, megs=512, iso=None):
        self.boot = f"bochs-{model}"
        self.reboot = True  # Bochs's resets are left to its own configuration
        self.log_path = log_path
        self.model, self.cpus, self.megs = model, cpus, megs
        self.iso = os.path.abspath(iso or keel.TEST_ISO)
        self._init_serial_state()

    def start(self):
        os.makedirs(os.path.dirname(self.log_path), exist_ok=True)
        self._master, slave = os.openpty()
        tty.setraw(slave)
        pty_path = os.ttyname(slave)
        self._slave = slave
        base = self.log_path[:-len(".log")] if self.log_path.endswith(".log") else self.log_path
        self._config = base + ".bochsrc"
        rc = base + ".bochs-rc"
        with open(self._config, "w") as f:
            f.write(CONFIG.format(megs=self.megs, model=self.model, cpus=self.cpus, iso=self.iso, pty=pty_path,
                                  log=base + ".bochs-log"))
        with open(rc, "w") as f:
            f.write("c\nquit\n")
        self._log = open(self.log_path, "wb", buffering=0)
        self._log.write(f"# {BOCHS} -q -f {self._config} -rc {rc}\n".encode())
        self._stderr = open(self.log_path + ".stderr", "wb")
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen([BOCHS, "-q", "-f", self._config, "-rc", rc], stdin=subprocess.DEVNULL,
                                     stdout=self._stderr, stderr=self._stderr, preexec_fn=keel._die_with_parent)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        return self

    def _serial_fd(self):
        return self._master

    def post_mortem(self):
        return f"(Bochs has no monitor here; its own log is {self._config[:-len('.bochsrc')]}.bochs-log)"

    def emulator_fault(self):
        return None

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        # Bochs polls its serial input; bytes sent in one burst can overrun the guest UART's FIFO.
        for i in range(0, len(data), 8):
            os.write(self._master, data[i:i + 8])

    def _close_serial(self):
        os.close(self._slave)
        os.close(self._master)
