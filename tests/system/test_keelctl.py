"""keelctl and openssl s_client against the network shell's session and TLS code, on loopback.

Keel's own network stack is not needed: build/tools/shell_test_server runs the image's shell/session.c,
shell/tls_server.c, kernel/crypto/host_key.c, credentials and back-off on 127.0.0.1 and ::1 with a fake
command table (host show, echo, fail). Every wait has a deadline.
"""
import base64
import hashlib
import json
import os
import re
import subprocess
import threading
import time

import pytest

import keel

KEELCTL = os.path.join(keel.BUILD, "keelctl")
SERVER = os.path.join(keel.BUILD, "tools", "shell_test_server")
PASSWORD = "hunter22-test"
TIMEOUT = 30


def password_hash(password, iterations=100000):
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return f"pbkdf2-sha256${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


class Server:
    """One shell_test_server process; its stderr (the session log) is collected for assertions."""

    def __init__(self, *args):
        self.proc = subprocess.Popen([SERVER, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.log = []
        self._lines = []
        self._cond = threading.Condition()
        threading.Thread(target=self._pump, args=(self.proc.stdout, self._lines), daemon=True).start()
        threading.Thread(target=self._pump, args=(self.proc.stderr, self.log), daemon=True).start()
        self.port = int(self._wait(r"^listening (\d+)$"))
        self.fingerprint = self._wait(r"^fingerprint ([0-9a-f]{64})$")

    def _pump(self, stream, into):
        for line in stream:
            with self._cond:
                into.append(line.rstrip("\n"))
                self._cond.notify_all()

    def _wait(self, pattern, source=None, deadline=TIMEOUT):
        source = self._lines if source is None else source
        end = time.monotonic() + deadline
        with self._cond:
            while True:
                for line in source:
                    m = re.search(pattern, line)
                    if m:
                        return m.group(1) if m.groups() else line
                left = end - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    raise AssertionError(f"shell_test_server: no line matching {pattern!r}; log: {self.log[-10:]}")
                self._cond.wait(left)

    def wait_log(self, pattern, count=1, deadline=TIMEOUT):
        end = time.monotonic() + deadline
        with self._cond:
            while sum(1 for l in self.log if re.search(pattern, l)) < count:
                left = end - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"fewer than {count} log lines match {pattern!r}: {self.log[-10:]}")
                self._cond.wait(left)

    def stop(self):
        self.proc.kill()
        self.proc.wait(timeout=10)


@pytest.fixture
def servers():
    started = []

    def start(*args):
        s = Server(*args)
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


@pytest.fixture
def config_dir(tmp_path):
    return str(tmp_path / "keelcfg")


def keelctl(config_dir, *args, password=PASSWORD, stdin=None, timeout=TIMEOUT):
    env = dict(os.environ, KEEL_CONFIG_DIR=config_dir)
    env.pop("KEEL_PASSWORD", None)
    if password is not None:
        env["KEEL_PASSWORD"] = password
    return subprocess.run([KEELCTL, *args], env=env, input=stdin, capture_output=True, text=True, timeout=timeout)


def test_login_and_command(servers, config_dir):
    s = servers("--password-hash", password_hash(PASSWORD), "--hostname", "alpha")
    r = keelctl(config_dir, "-H", f"127.0.0.1:{s.port}", "host", "show")
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"hostname        alpha\nhost key        sha256 {s.fingerprint}\n"
    assert f"first connection; trusting its host key sha256 {s.fingerprint}" in r.stderr
    # --json passes through; the reply parses.
    r = keelctl(config_dir, "--json", "-H", f"127.0.0.1:{s.port}", "host", "show")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"hostname": "alpha", "host_key_sha256": s.fingerprint}
    assert "first connection" not in r.stderr
    with open(os.path.join(config_dir, "known_hosts")) as f:
        assert f.read() == f"127.0.0.1:{s.port} {s.fingerprint}\n"
    # A failing command: its error line, and exit status 1.
    r = keelctl(config_dir, "-H", f"127.0.0.1:{s.port}", "fail")
    assert (r.returncode, r.stdout) == (1, "error: fail: as asked\n")
    # A session on stdin: several commands, replies in order.
    r = keelctl(config_dir, "-H", f"127.0.0.1:{s.port}", stdin="echo one\necho two words\nhost show --json\n")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[:2] == ["one", "two words"] and json.loads(lines[2])["hostname"] == "alpha"
    s.wait_log(r"127\.0\.0\.1:\d+ logged in \(password\)", count=4)


def test_wrong_password_rejected(servers, config_dir):
    s = servers("--password-hash", password_hash(PASSWORD))
    r = keelctl(config_dir, "-H", f"127.0.0.1:{s.port}", "host", "show", password="not-the-password")
    assert r.returncode == 2
    assert r.stdout == ""
    assert "login failed" in r.stderr and "giving up" in r.stderr
    s.wait_log(r"failed login from 127\.0\.0\.1:\d+")


def test_changed_host_key_refused(servers, config_dir, tmp_path):
    key_a, key_b = str(tmp_path / "a.key"), str(tmp_path / "b.key")
    s = servers("--password-hash", password_hash(PASSWORD), "--key-file", key_a)
    port, first = s.port, s.fingerprint
    assert keelctl(config_dir, "-H", f"127.0.0.1:{port}", "echo", "hi").stdout == "hi\n"
    s.stop()
    # The same key again (from the file): same certificate, same fingerprint, accepted silently.
    s = servers("--password-hash", password_hash(PASSWORD), "--key-file", key_a, "--port", str(port))
    assert s.fingerprint == first
    r = keelctl(config_dir, "-H", f"127.0.0.1:{port}", "echo", "hi")
    assert (r.returncode, r.stdout, r.stderr) == (0, "hi\n", "")
    s.stop()
    # Another key on the same address: refused loudly, naming both fingerprints; nothing is sent.
    s = servers("--password-hash", password_hash(PASSWORD), "--key-file", key_b, "--port", str(port))
    assert s.fingerprint != first
    r = keelctl(config_dir, "-H", f"127.0.0.1:{port}", "echo", "hi")
    assert r.returncode == 2 and r.stdout == ""
    assert f"WARNING: THE HOST KEY OF 127.0.0.1:{port} HAS CHANGED" in r.stderr
    assert f"sha256 {first}" in r.stderr and f"sha256 {s.fingerprint}" in r.stderr
    assert "refusing to connect" in r.stderr
    with open(os.path.join(config_dir, "known_hosts")) as f:
        assert f.read() == f"127.0.0.1:{port} {first}\n"
    assert not any("logged in" in l for l in s.log)


def test_several_hosts_labelled(servers, config_dir):
    a = servers("--password-hash", password_hash(PASSWORD), "--hostname", "alpha")
    b = servers("--password-hash", password_hash(PASSWORD), "--hostname", "beta")
    hosts = f"127.0.0.1:{a.port},[::1]:{b.port}"
    r = keelctl(config_dir, "-H", hosts, "host", "show", "--json")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 2
    label_a, reply_a = lines[0].split(": ", 1)
    label_b, reply_b = lines[1].split(": ", 1)
    assert (label_a, json.loads(reply_a)["hostname"]) == (f"127.0.0.1:{a.port}", "alpha")
    assert (label_b, json.loads(reply_b)["hostname"]) == (f"[::1]:{b.port}", "beta")
    # One host down: the others still answer, and the exit status says something failed.
    b.stop()
    r = keelctl(config_dir, "-H", hosts, "echo", "x")
    assert r.returncode == 2
    assert r.stdout == f"127.0.0.1:{a.port}: x\n"
    assert f"[::1]:{b.port}: cannot connect" in r.stderr


def client_certificate(tmp_path):
    """A client certificate and key, and its SHA-256 for an admin_cert_sha256 line."""
    cert, key = str(tmp_path / "client.crt"), str(tmp_path / "client.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", key, "-out", cert, "-subj", "/CN=admin", "-days", "30"],
                   check=True, capture_output=True, timeout=TIMEOUT)
    der = subprocess.run(["openssl", "x509", "-in", cert, "-outform", "DER"], check=True, capture_output=True,
                         timeout=TIMEOUT).stdout
    return cert, key, hashlib.sha256(der).hexdigest()


def test_pinned_client_certificate(servers, config_dir, tmp_path):
    cert, key, fingerprint = client_certificate(tmp_path)
    s = servers("--cert-sha256", fingerprint)
    # No password anywhere: the certificate logs in.
    r = keelctl(config_dir, "--cert", cert, "--key", key, "-H", f"127.0.0.1:{s.port}", "echo", "by", "cert",
                password=None, stdin="")
    assert (r.returncode, r.stdout) == (0, "by cert\n"), r.stderr
    s.wait_log(r"logged in \(pinned client certificate\)")
    # Without it this host (certificates only) refuses.
    r = keelctl(config_dir, "-H", f"127.0.0.1:{s.port}", "echo", "x", password="whatever")
    assert r.returncode == 2 and "pinned client certificates only" in r.stderr


def test_hash_password_line_logs_in(servers, config_dir):
    r = keelctl(config_dir, "hash-password", stdin="a long passphrase\n", password=None)
    assert r.returncode == 0, r.stderr
    m = re.fullmatch(r"admin_password = (pbkdf2-sha256\$100000\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]{44})\n", r.stdout)
    assert m, r.stdout
    s = servers("--password-hash", m.group(1))
    assert keelctl(config_dir, "-H", f"127.0.0.1:{s.port}", "echo", "ok", password="a long passphrase").stdout == "ok\n"
    r = keelctl(config_dir, "hash-password", stdin="short\n", password=None)
    assert r.returncode == 2 and "8 to 256 characters" in r.stderr


class SClient:
    """openssl s_client driven like a person at a terminal: wait for what is shown, then type."""

    def __init__(self, port):
        self.proc = subprocess.Popen(["openssl", "s_client", "-quiet", "-connect", f"127.0.0.1:{port}"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     bufsize=0)
        self.out = b""
        self._cond = threading.Condition()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        while True:
            chunk = self.proc.stdout.read1(4096) if hasattr(self.proc.stdout, "read1") else os.read(
                self.proc.stdout.fileno(), 4096)
            with self._cond:
                if not chunk:
                    self.eof = True
                    self._cond.notify_all()
                    return
                self.out += chunk
                self._cond.notify_all()

    def wait_for(self, text, deadline=TIMEOUT):
        end = time.monotonic() + deadline
        with self._cond:
            while text.encode() not in self.out:
                left = end - time.monotonic()
                assert left > 0, f"s_client: {text!r} not shown; got {self.out!r}"
                self._cond.wait(left)

    def type(self, line):
        self.proc.stdin.write(line.encode() + b"\n")

    def close(self):
        self.proc.kill()
        self.proc.wait(timeout=10)


def test_openssl_s_client(servers):
    s = servers("--password-hash", password_hash(PASSWORD), "--hostname", "alpha")
    c = SClient(s.port)
    try:
        c.wait_for("password: ")
        assert c.out.startswith(b"Keel test on alpha\n")
        c.type(PASSWORD)
        c.wait_for("logged in\nkeel> ")
        c.type("echo typed by hand")
        c.wait_for("typed by hand\nkeel> ")
        c.type("nonsense")
        c.wait_for("error: unknown command 'nonsense' (try 'help')\nkeel> ")
        c.type("exit")
        c.wait_for("bye\n")
        assert c.proc.wait(timeout=TIMEOUT) is not None
    finally:
        c.close()
    # The certificate that openssl sees is the one whose fingerprint the server announced.
    pem = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{s.port}", "-showcerts"], input=b"",
                         capture_output=True, timeout=TIMEOUT).stdout
    der = subprocess.run(["openssl", "x509", "-outform", "DER"], input=pem, capture_output=True,
                         timeout=TIMEOUT).stdout
    assert hashlib.sha256(der).hexdigest() == s.fingerprint


def test_backoff_grows_while_another_client_works(servers, config_dir):
    """20 wrong passwords from 127.0.0.1 take longer and longer (the image's policy: 250 ms doubling to 2 s,
    about 36 s in all); meanwhile ::1 logs in and works at normal speed."""
    s = servers("--password-hash", password_hash(PASSWORD))
    for h in (f"127.0.0.1:{s.port}", f"[::1]:{s.port}"):  # trust the key first, outside the timings
        assert keelctl(config_dir, "-H", h, "echo", "x").returncode == 0

    def good_login():
        start = time.monotonic()
        r = keelctl(config_dir, "-H", f"[::1]:{s.port}", "echo", "fine")
        return time.monotonic() - start, r

    baseline = sorted(good_login()[0] for _ in range(3))[1]
    attempts = []

    def attack():
        for _ in range(20):
            start = time.monotonic()
            r = keelctl(config_dir, "-H", f"127.0.0.1:{s.port}", "echo", "x", password="wrong-guess")
            attempts.append((time.monotonic() - start, r))

    attacker = threading.Thread(target=attack)
    attacker.start()
    good = []
    while attacker.is_alive():
        good.append(good_login())
    attacker.join()
    assert [r.returncode for _, r in attempts] == [2] * 20, [r.stderr for _, r in attempts]
    times = [t for t, _ in attempts]
    # Each attempt waits out the delay its own failure earned (250, 500, 1000, then 2000 ms) before the
    # server lets go, as the server tells it and as the clock shows. Lower bounds only: a loaded machine
    # makes every attempt slower, never faster, so the growth is read from the delays.
    delays = [int(re.search(r"login delayed (\d+) ms", r.stderr).group(1)) for _, r in attempts]
    assert 150 < delays[0] <= 250 and 400 < delays[1] <= 500 and 900 < delays[2] <= 1000, delays
    assert all(1900 < d <= 2000 for d in delays[3:]), delays
    assert all(t >= d / 1000 for t, d in zip(times, delays)), (times, delays)
    failure = r"failed login from 127\.0\.0\.1:\d+ \(1 on this connection, next check in (\d+) ms\)"
    s.wait_log(failure, count=20)
    logged = [int(m.group(1)) for m in (re.search(failure, line) for line in s.log) if m]
    assert logged == [250, 500, 1000] + [2000] * 17, logged
    # The other client never waits: every login works, none is delayed, and none is much slower than the
    # same login before the attack (the attack's own password checks share the machine's CPUs).
    report = f"good {[round(t, 2) for t, _ in good]}, baseline {baseline:.2f}, attack {[round(t, 2) for t in times]}"
    assert len(good) >= 3, report
    for _, r in good:
        assert r.returncode == 0 and r.stdout == "fine\n", r.stderr
        assert "login delayed" not in r.stderr, r.stderr
    assert sorted(t for t, _ in good)[len(good) // 2] < 2 * baseline + 1.0, report
