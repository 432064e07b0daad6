"""Issue 6, the network foundation: virtio-net and e1000 under QEMU's user network (BIOS boots), DHCP and static
addresses from keel.cfg, `net show` (text and JSON) with counters that follow real traffic, `net ping` to the
user network's gateway, and a machine with no NIC."""
import os
import re
import select
import socket
import threading

import pytest

import keel

NICS = {
    "virtio": ["-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0"],
    "e1000": ["-netdev", "user,id=n0", "-device", "e1000,netdev=n0"],
    # QEMU's -nic gives this virtio-net no MSI-X: the driver polls it.
    "virtio-polled": ["-nic", "user,model=virtio-net-pci"],
}
DRIVERS = {"virtio": "virtio-net", "e1000": "e1000", "virtio-polled": "virtio-net"}
INTERRUPTS = {"virtio": "msi-x", "e1000": "intx", "virtio-polled": "polled"}
# DHCP under TCG with three machines on two cores: the lease comes a few seconds after the prompt.
ADDRESS_TIMEOUT = 60
# Network log lines come from their own threads: one may land right after a prompt.
LOG = r"(?m)(?:^|keel> )"


def address_line(m, mode):
    """Waits for eth0's address line (from the start of the log) and returns (address, prefix, gateway)."""
    found = m.wait_for(LOG + rf"net: eth0: address (\S+)/(\d+), gateway (\S+) \({mode}\)$", ADDRESS_TIMEOUT,
                       start=0)
    return found.group(1), int(found.group(2)), found.group(3)


def eth0(m):
    shown = m.json_command("net show --json")
    assert shown["ready"] is True
    assert len(shown["interfaces"]) == 1, shown
    return shown, shown["interfaces"][0]


@pytest.mark.parametrize("nic", sorted(NICS))
def test_dhcp_lease_and_counters(boot, nic):
    m = boot(extra=NICS[nic])
    m.wait_prompt()
    assert address_line(m, "dhcp") == ("10.0.2.15", 24, "10.0.2.2")
    assert re.search(LOG + rf"net: eth0: {DRIVERS[nic]}, MAC 52:54:00:12:34:56, interrupts {INTERRUPTS[nic]}$",
                     m.console())

    shown, before = eth0(m)
    assert before["driver"] == DRIVERS[nic]
    assert before["mac"] == "52:54:00:12:34:56"
    assert before["link_up"] is True
    assert before["config"] == "dhcp"
    assert (before["address"], before["netmask"], before["prefix"], before["gateway"]) == \
        ("10.0.2.15", "255.255.255.0", 24, "10.0.2.2")
    assert shown["dns"] == ["10.0.2.3"]
    # The DHCP exchange itself: at least DISCOVER and REQUEST out, OFFER and ACK in.
    assert before["tx_packets"] >= 2 and before["rx_packets"] >= 2, before
    assert before["rx_errors"] == 0 and before["tx_errors"] == 0

    out = m.run("net ping 10.0.2.2 count=3")
    assert re.search(r"(?m)^3 sent, 3 received$", out), out
    assert len(re.findall(r"(?m)^reply from 10\.0\.2\.2: seq=\d time=\d+\.\d{3} ms$", out)) == 3, out

    _, after = eth0(m)
    assert after["tx_packets"] >= before["tx_packets"] + 3, (before, after)
    assert after["rx_packets"] >= before["rx_packets"] + 3, (before, after)
    assert after["tx_bytes"] >= before["tx_bytes"] + 3 * 74, (before, after)
    assert after["rx_bytes"] >= before["rx_bytes"] + 3 * 74, (before, after)

    text = m.run("net show")
    assert re.search(rf"(?m)^eth0 +{DRIVERS[nic]}, MAC 52:54:00:12:34:56, link up, interrupts ", text), text
    assert re.search(r"(?m)^ +address 10\.0\.2\.15/24, gateway 10\.0\.2\.2 \(dhcp\)$", text), text
    assert re.search(r"(?m)^ +rx \d+ packets, \d+ bytes, 0 dropped, 0 errors$", text), text
    assert re.search(r"(?m)^dns +10\.0\.2\.3$", text), text


def test_ping_without_answer_is_an_error(boot):
    m = boot(extra=NICS["virtio"])
    m.wait_prompt()
    address_line(m, "dhcp")
    # An unused address of the user network: its ARP request goes unanswered.
    out = m.run("net ping 10.0.2.99 count=1")
    assert re.search(r"(?m)^no reply from 10\.0\.2\.99: seq=1$", out), out
    assert out.splitlines()[-1] == "error: net ping: no reply from 10.0.2.99", out
    assert "error: net ping: count must be a number from 1 to 100" in m.run("net ping 10.0.2.2 count=0")


def test_static_address_from_keel_cfg(boot, tmp_path):
    iso = keel.image_with_config(tmp_path, "net_address = 10.0.2.20\nnet_netmask = 255.255.255.0\n"
                               "net_gateway = 10.0.2.2\nnet_dns = 10.0.2.3, 10.0.2.4\n")
    m = boot(iso=iso, extra=NICS["virtio"])
    m.wait_prompt()
    assert address_line(m, "static") == ("10.0.2.20", 24, "10.0.2.2")
    m.wait_for(LOG + r"net: eth0: link up$", ADDRESS_TIMEOUT, start=0)
    shown, e = eth0(m)
    assert (e["config"], e["address"], e["netmask"], e["gateway"]) == \
        ("static", "10.0.2.20", "255.255.255.0", "10.0.2.2")
    assert shown["dns"] == ["10.0.2.3", "10.0.2.4"]
    out = m.run("net ping 10.0.2.2 count=2")
    assert re.search(r"(?m)^2 sent, 2 received$", out), out
    assert "(dhcp)" not in m.console()


def test_bad_static_value_falls_back_to_dhcp(boot, tmp_path):
    iso = keel.image_with_config(tmp_path, "net_address = 10.0.2.20\nnet_netmask = 255.0.255.0\n")
    m = boot(iso=iso, extra=NICS["e1000"])
    m.wait_prompt()
    assert address_line(m, "dhcp") == ("10.0.2.15", 24, "10.0.2.2")
    errors = re.findall(LOG + r"keel\.cfg: bad value for 'net_\w+'.*$", m.console())
    assert errors == ["keel.cfg: bad value for 'net_netmask': '255.0.255.0' is not a netmask; using DHCP"], errors


def test_no_nic(boot):
    m = boot()
    m.wait_prompt()
    m.wait_for(LOG + r"net: no network interfaces$", start=0)
    assert m.run("net show") == "no network interfaces"
    shown = m.json_command("net show --json")
    assert shown == {"ready": True, "interfaces": [], "dns": []}
    assert "error: net ping 10.0.2.2: network unreachable" in m.run("net ping 10.0.2.2")
    assert m.host_show()["cpus_online"] >= 1


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def echo_machine(boot, nic="virtio"):
    """A machine with an echo listener on guest port 7777, reachable on a host port (127.0.0.1 only)."""
    port = free_port()
    extra = list(NICS[nic])
    extra[1] += f",hostfwd=tcp:127.0.0.1:{port}-:7777"
    m = boot(extra=extra)
    m.wait_prompt()
    address_line(m, "dhcp")
    assert m.run("debug echo-listen port=7777") == "echo listening on port 7777"
    return m, port


def echo_round_trip(port, payload, local_ports=None, k=0):
    """Sends payload from one thread while reading the echo in this one; returns what came back. local_ports[k]
    gets the client's port (which Keel logs as the peer's: QEMU's user network keeps it)."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
        if local_ports is not None:
            local_ports[k] = s.getsockname()[1]
        sender = threading.Thread(target=lambda: (s.sendall(payload), s.shutdown(socket.SHUT_WR)))
        sender.start()
        got = bytearray()
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
        sender.join(timeout=60)
    return bytes(got)


@pytest.mark.parametrize("nic", ["e1000", "virtio"])
def test_accept_path_echoes_concurrent_connections(boot, nic):
    m, port = echo_machine(boot, nic)
    payloads = [os.urandom(128 * 1024 + k) for k in range(8)]
    results = [None] * len(payloads)
    local_ports = [None] * len(payloads)

    def run(k):
        results[k] = echo_round_trip(port, payloads[k], local_ports, k)

    workers = [threading.Thread(target=run, args=(k,)) for k in range(len(payloads))]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    for k, p in enumerate(payloads):
        seen = re.findall(LOG + rf"echo: 10\.0\.2\.2:{local_ports[k]} .*$", m.console())
        assert results[k] == p, (f"connection {k} (client port {local_ports[k]}): {len(results[k] or b'')} of "
                                 f"{len(p)} bytes came back intact; Keel logged {seen}")
    # Each session logs its peer (QEMU's user network presents host connections from 10.0.2.2).
    for p in payloads:
        m.wait_for(LOG + rf"echo: 10\.0\.2\.2:\d+ closed after {len(p)} bytes$", start=0)


def test_accept_path_pushes_back(boot):
    m, port = echo_machine(boot)
    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
        s.setblocking(False)
        data = os.urandom(8 << 20)
        sent = 0
        # Never reading: the echo's writes fill our receive buffer, it stops reading, its receive window
        # closes, and our sends stall long before 8 MiB.
        while sent < len(data):
            try:
                sent += s.send(data[sent:sent + 65536])
            except BlockingIOError:
                _, writable, _ = select.select([], [s], [], 3)
                if not writable:
                    break
        assert sent < len(data), "8 MiB went out without being read back: no backpressure"
        s.setblocking(True)
        got = bytearray()
        while len(got) < sent:
            chunk = s.recv(65536)
            assert chunk, f"echo ended after {len(got)} of {sent} bytes"
            got += chunk
        assert bytes(got[:sent]) == data[:sent]
    m.wait_for(LOG + rf"echo: 10\.0\.2\.2:\d+ closed after {sent} bytes$", start=0)
