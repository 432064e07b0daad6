"""Issue 6 on the serial console: the TLS host key and its fingerprint at boot and in host show, the
network shell closed without credentials (and saying how to open it), keel.cfg credentials accepted or
named by line, and `host passwd`. Keel's network stack is not needed for any of these."""
import base64
import hashlib
import re
import subprocess

import keel
from test_keelctl import Server

CLOSED_LINE = ("network shell: closed: no credentials; run 'host passwd' here, or add an admin_password line "
               "from 'keelctl hash-password' to keel.cfg")


def pbkdf2_line(password, iterations=100000, salt=b"0123456789abcdef"):
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return f"pbkdf2-sha256${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def key_lines(m):
    """The host key is made beside the shell (after the prompt, possibly on the prompt's line): waits for its
    fingerprint line and returns (host name, fingerprint) and the console so far."""
    found = m.wait_for(r"(?m)(?:^|keel> )host key: certificate CN=(\S+), sha256 fingerprint ([0-9a-f]{64})$",
                       start=0)
    return found.group(1), found.group(2), m.console()


def test_per_boot_key_and_closed_shell(machine):
    # The closed-shell line comes before the prompt; the key after it, without delaying it.
    before_prompt = machine.console()
    assert CLOSED_LINE in before_prompt
    assert before_prompt.index(CLOSED_LINE) < before_prompt.index("boot: entry tsc=")
    name, fingerprint, console = key_lines(machine)
    assert name == "keel", console
    assert re.search(r"(?m)^random: DRBG seeded from (RDRAND and TSC jitter|RDRAND only|TSC jitter only)", console)
    assert "host key: generated for this boot only (keel.cfg has no host_key)" in console
    show = machine.host_show()
    assert show["host_key_sha256"] == fingerprint
    assert show["host_key_persistent"] is False and show["network_shell_open"] is False
    text = machine.run("host show")
    assert f"host key        sha256 {fingerprint} (this boot only)" in text
    assert "network shell   closed" in text
    # The console can print the line that keeps the key.
    export = machine.run("host key export")
    assert re.search(r"(?m)^host_key = [A-Za-z0-9+/]+=*$", export), export
    assert machine.run("host key show") == "error: usage: host key export"


def test_host_passwd(machine):
    key_lines(machine)
    # Mismatched answers change nothing.
    machine.send("host passwd\r")
    machine.wait_for(r"new password: ")
    machine.send("first-password\r")
    machine.wait_for(r"again: ")
    machine.send("other-password\r")
    machine.wait_for(r"error: host passwd: the two passwords differ, nothing changed\n")
    machine.wait_for(keel.PROMPT_RE)
    assert machine.host_show()["network_shell_open"] is False
    # Matching answers (never echoed) set it, open the shell and print the keel.cfg line.
    start = machine.mark()
    machine.send("host passwd\r")
    machine.wait_for(r"new password: ")
    machine.send("correct-horse\r")
    machine.wait_for(r"again: ")
    machine.send("correct-horse\r")
    m = machine.wait_for(r"(?m)^admin_password = pbkdf2-sha256\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)\n",
                         timeout=120)
    machine.wait_for(keel.PROMPT_RE)
    iterations, salt, digest = int(m.group(1)), base64.b64decode(m.group(2)), base64.b64decode(m.group(3))
    assert iterations >= 100000
    assert hashlib.pbkdf2_hmac("sha256", b"correct-horse", salt, iterations) == digest
    transcript = machine.text()[start:]
    assert "correct-horse" not in transcript
    assert "password set until the next boot; the network shell is open" in transcript
    assert machine.host_show()["network_shell_open"] is True


def test_keel_cfg_credentials_and_key(boot, tmp_path):
    key_der = subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-outform", "DER"],
                             check=True, capture_output=True, timeout=30).stdout
    key_b64 = base64.b64encode(key_der).decode()
    cfg = "\n".join([
        "hostname = tlshost",
        f"host_key = {key_b64}",
        f"admin_password = {pbkdf2_line('pw', iterations=1000)}",
        f"admin_password = {pbkdf2_line('a good password')}",
        "admin_cert_sha256 = 12345",
        "admin_cert_sha256 = " + "ab" * 32,
        "admin_password = plaintext",
        "",
    ])
    m = boot(iso=keel.image_with_config(tmp_path, cfg))
    m.wait_prompt()
    _, fingerprint, _ = key_lines(m)
    m.wait_for(r"network shell: open to the administrator \(password, 1 pinned certificate\)", start=0)
    console = m.console()
    assert ("keel.cfg:3: bad value for 'admin_password': iterations 1000 below the minimum 100000, ignored"
            in console), console
    assert ("keel.cfg:5: bad value for 'admin_cert_sha256': expected the certificate's SHA-256 as 64 hex "
            "digits, ignored" in console)
    assert ("keel.cfg:7: bad value for 'admin_password': expected pbkdf2-sha256$ITERATIONS$SALT$HASH "
            "(from keelctl hash-password), ignored" in console)
    assert not re.search(r"(?m)^keel\.cfg:[1246]:", console), console
    assert "host key: from keel.cfg" in console
    assert CLOSED_LINE not in console
    # The same key and host name give the same certificate on the host side (same code, Debian's mbedTLS).
    key_file = tmp_path / "host.key"
    key_file.write_text(key_b64 + "\n")
    server = Server("--key-file", str(key_file), "--hostname", "tlshost")
    try:
        assert server.fingerprint == fingerprint
    finally:
        server.stop()
    show = m.host_show()
    assert (show["host_key_sha256"], show["host_key_persistent"], show["network_shell_open"]) == \
        (fingerprint, True, True)
    # A bad host_key is named, and the host falls back to a per-boot key.
    m.kill()
    m = boot(iso=keel.image_with_config(tmp_path, "host_key = bm90IGEga2V5\n"))
    m.wait_prompt()
    key_lines(m)
    console = m.console()
    assert "keel.cfg:1: bad value for 'host_key': not a DER private key (from 'host key export'), ignored" in console
    assert "host key: generated for this boot only" in console
    assert CLOSED_LINE in console
