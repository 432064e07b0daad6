"""Issue 3: configuration problems are named with their line numbers and ignored, never fatal."""
import re

import keel

BAD_CFG = """\
# a configuration with problems
hostname = systest
frobnicate = 1
this line has no equals sign
log_level = debug
"""
UNKNOWN_LINE, MALFORMED_LINE = 3, 4


def test_bad_config_lines_named_and_ignored(boot, tmp_path):
    m = boot(iso=keel.image_with_config(tmp_path, BAD_CFG))
    m.wait_prompt()
    console = m.console()
    assert re.search(rf"(?m)^keel\.cfg:{UNKNOWN_LINE}: unknown key 'frobnicate'", console), console
    assert re.search(rf"(?m)^keel\.cfg:{MALFORMED_LINE}: malformed line", console), console
    assert not re.search(r"(?m)^keel\.cfg:[1256]:", console), console
    assert re.search(r"Keel \d+\.\d+", m.run("version"))
