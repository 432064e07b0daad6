"""Issue 3: the serial shell: help, errors, overlong lines, line editing. One machine serves the module
(pytest-xdist keeps the group on one worker); each test's slice of the serial log goes to its own log file."""
import os
import re

import pytest

import keel
from conftest import LOGS, log_name

pytestmark = pytest.mark.xdist_group("shell")


@pytest.fixture(scope="module")
def shell():
    m = keel.Keel(os.path.join(LOGS, "test_shell-machine.log")).start()
    try:
        m.wait_prompt()
        yield m
    finally:
        m.kill()


@pytest.fixture(autouse=True)
def slice_log(shell, request):
    """Write the serial output seen during this test to build/results/logs/<test>.log; keep the shell at a
    prompt for the next test; show the tail on failure."""
    request.node.keel_machines = [shell]
    start = len(shell.text())
    yield
    with open(os.path.join(LOGS, log_name(request.node.name) + ".log"), "w") as f:
        f.write(f"# slice of {shell.log_path}\n")
        f.write(shell.text()[start:])


def lines(out):
    return [l for l in out.splitlines() if l.strip()]


def assert_usable(m):
    assert re.search(r"Keel \d+\.\d+\.\d+", m.run("version"))


def test_version(shell):
    assert re.fullmatch(r"Keel \d+\.\d+\.\d+\S*", lines(shell.run("version"))[0].strip())


def test_help_lists_commands(shell):
    out = shell.run("help")
    for word in ("help", "version", "host", "log"):
        assert word in out, out
    assert "error:" not in out


def test_help_host(shell):
    out = shell.run("help host")
    for verb in ("show", "reboot", "poweroff"):
        assert verb in out, out
    assert "error:" not in out


def test_help_debug_lists_faults_as_debug_only(shell):
    out = shell.run("help debug")
    for fault in ("exec-data", "write-text", "stack-overflow"):
        assert fault in out, out
    # Marked as debug-only: "[debug]" after the description, or the words "debug-only".
    assert re.search(r"\[debug\]|debug[- ]only", out, re.I), out


def test_log_show(shell):
    out = shell.run("log show")
    assert lines(out), "log show printed nothing"
    assert "error:" not in out


def test_host_show_json_fields(shell):
    host = shell.host_show()
    for key in ("cpus_online", "mem_total_bytes", "mem_free_bytes", "virtualization", "uptime_ms",
                "version", "features"):
        assert key in host, host
    assert 0 < host["mem_free_bytes"] <= host["mem_total_bytes"], host


def test_unknown_command_one_error_line(shell):
    out = lines(shell.run("frobnicate the widgets"))
    assert len(out) == 1 and out[0].startswith("error: "), out
    assert_usable(shell)


def test_bad_argument_one_error_line(shell):
    out = lines(shell.run("host show --no-such-flag"))
    assert len(out) == 1 and out[0].startswith("error: "), out
    assert_usable(shell)


def test_64k_line_refused(shell):
    start = shell.mark()
    shell.send("x" * 65536 + "\r")
    shell.wait_for(r"error: line too long", timeout=120)
    shell.wait_for(keel.PROMPT_RE, timeout=30)
    out = shell.text()[start:]
    assert len(re.findall(r"(?m)^error: ", out)) == 1, out[-2000:]
    assert_usable(shell)


def test_backspace_edits_line(shell):
    out = shell.run("versXYZ\x7f\x7f\x7fion")
    assert re.search(r"Keel \d+\.\d+", out) and "error:" not in out, out


def test_ctrl_u_erases_line(shell):
    out = shell.run("host poweroff\x15version")
    assert re.search(r"Keel \d+\.\d+", out) and "error:" not in out, out
    assert shell.proc.poll() is None


def test_ctrl_c_abandons_line(shell):
    shell.mark()
    shell.send("host poweroff\x03")
    shell.wait_for(keel.PROMPT_RE, timeout=30)
    assert_usable(shell)
    assert shell.proc.poll() is None


def test_history_up_arrow(shell):
    shell.run("help host")
    out = shell.run("\x1b[A")
    assert "poweroff" in out and "error:" not in out, out
