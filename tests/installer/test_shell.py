"""Every shell script of the tree passes shellcheck (the installer runs as root on customers'
servers: a quoting slip there is a data-loss bug)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = [
    "run",
    "test",
    ".ci/run",
    "installer/install.sh",
    "installer/lib/bundle.sh",
    "installer/lib/releases.sh",
    "tools/systemd_check.sh",
]


def shellcheck() -> str:
    beside = Path(sys.executable).with_name("shellcheck")
    return str(beside) if beside.exists() else shutil.which("shellcheck") or "shellcheck"


def test_every_shell_script_is_listed():
    found = {
        str(p.relative_to(ROOT))
        for p in [*ROOT.glob("installer/**/*.sh"), *ROOT.glob("tools/*.sh")]
    }
    assert found <= set(SCRIPTS), f"add to SCRIPTS: {sorted(found - set(SCRIPTS))}"


def test_shellcheck_finds_nothing():
    done = subprocess.run([shellcheck(), "-x", *SCRIPTS], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
