"""make bench: the network shell's speed over loopback, beside `openssl s_server` on the host in the same run as
the anchor. Wall-clock figures (QEMU runs without -icount here: TLS needs real time), so they vary with the
machine and its load; the anchor shows how much. Prints one `name value unit` per line:
  net_shell_handshakes_per_s       TLS 1.2 handshakes (ECDHE-ECDSA, new connection each) against Keel
  s_server_handshakes_per_s        the same client against openssl s_server with a P-256 key
  net_shell_round_trips_per_s      one command line and its whole reply (`version` to the next prompt) in a
                                   logged-in session
  s_server_round_trips_per_s       one line and its reply (s_server -rev) on one connection
Each figure runs for a fixed time (--seconds) with deadlines on every wait.
"""
import argparse
import base64
import hashlib
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "system"))
import keel  # noqa: E402

PASSWORD = "bench-password"
TIMEOUT = 30


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def client_context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # both servers' certificates are self-signed
    ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def connect(ctx, port):
    raw = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    return ctx.wrap_socket(raw)


def handshakes_per_s(port, seconds):
    ctx = client_context()
    done, start = 0, time.monotonic()
    while time.monotonic() - start < seconds:
        connect(ctx, port).close()
        done += 1
    return done / (time.monotonic() - start)


def read_until(conn, buf, marker):
    """Reads until marker is in buf; returns the bytes after it (the socket's timeout bounds every read)."""
    while marker not in buf:
        chunk = conn.recv(4096)
        if not chunk:
            raise RuntimeError(f"connection closed before {marker!r}; got {bytes(buf[-200:])!r}")
        buf += chunk
    return buf[buf.index(marker) + len(marker):]


def round_trips_per_s(conn, line, reply_end, seconds):
    done, start, buf = 0, time.monotonic(), b""
    while time.monotonic() - start < seconds:
        conn.sendall(line)
        buf = read_until(conn, buf, reply_end)
        done += 1
    return done / (time.monotonic() - start)


def keel_figures(args, tmp):
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", PASSWORD.encode(), salt, 100000)
    iso = keel.image_with_config(tmp, f"admin_password = pbkdf2-sha256$100000${base64.b64encode(salt).decode()}$"
                                      f"{base64.b64encode(digest).decode()}\n", kernel=args.kernel)
    port = free_port()
    m = keel.Keel(args.log, iso=iso, extra=["-netdev", f"user,id=n0,hostfwd=tcp:127.0.0.1:{port}-:8443",
                                            "-device", "virtio-net-pci,netdev=n0"])
    m.start()
    try:
        m.wait_prompt()
        m.wait_for(r"network shell: listening on port 8443", 90, start=0)
        m.wait_for(r"net: eth0: address ", 90, start=0)
        handshakes = handshakes_per_s(port, args.seconds)
        conn = connect(client_context(), port)
        buf = read_until(conn, b"", b"password: ")
        conn.sendall(PASSWORD.encode() + b"\n")
        read_until(conn, buf, b"logged in\nkeel> ")
        trips = round_trips_per_s(conn, b"version\n", b"keel> ", args.seconds)
        conn.close()
    finally:
        m.kill()
    return handshakes, trips


def s_server_figures(args, tmp):
    key, cert = os.path.join(tmp, "anchor.key"), os.path.join(tmp, "anchor.crt")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", key, "-out", cert, "-subj", "/CN=anchor", "-days", "2"],
                   check=True, capture_output=True, timeout=TIMEOUT)
    port = free_port()
    server = subprocess.Popen(["openssl", "s_server", "-quiet", "-rev", "-tls1_2", "-accept", f"127.0.0.1:{port}",
                               "-cert", cert, "-key", key], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + TIMEOUT
        while True:  # s_server listens a moment after it starts: connect until it answers
            try:
                socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT).close()
                break
            except ConnectionRefusedError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("openssl s_server did not start")
        handshakes = handshakes_per_s(port, args.seconds)
        conn = connect(client_context(), port)
        trips = round_trips_per_s(conn, b"version\n", b"noisrev\n", args.seconds)
        conn.close()
    finally:
        server.kill()
        server.wait(timeout=10)
    return handshakes, trips


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", default=keel.KERNEL)
    ap.add_argument("--log", default=os.path.join(keel.BUILD, "results", "logs", "bench-net-shell.log"))
    ap.add_argument("--seconds", type=float, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        try:
            keel_hs, keel_rt = keel_figures(args, tmp)
            anchor_hs, anchor_rt = s_server_figures(args, tmp)
        except (AssertionError, RuntimeError, OSError, subprocess.SubprocessError) as e:
            print(f"bench: network shell: {e}\nbench: full log in {args.log}", file=sys.stderr)
            return 1
    print(f"net_shell_handshakes_per_s {keel_hs:.1f} handshakes/s")
    print(f"s_server_handshakes_per_s {anchor_hs:.1f} handshakes/s")
    print(f"net_shell_round_trips_per_s {keel_rt:.1f} round_trips/s")
    print(f"s_server_round_trips_per_s {anchor_rt:.1f} round_trips/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
