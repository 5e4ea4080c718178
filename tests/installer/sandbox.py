"""A throw-away machine for installer tests: Linux namespaces on this host, changing nothing on it.

A mount namespace with overlays over /etc, /opt, /var and /run (writes land in a temp dir, so
useradd, /opt/appliance, /etc/appliance, /var/lib/appliance and the systemd unit stay private),
a network namespace with only ``lo`` (no route out: an install that needs the network fails),
and a PID namespace, so every process started inside ends with it. systemd does not run there:
a stand-in ``systemctl`` (``STANDIN``) runs the installed unit's ExecStartPre and ExecStart as
its User with its Environment, and /run/systemd/system exists, so install.sh's service steps run
for real.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

# The stand-in reads the unit file install.sh installed; it ignores the sandboxing directives.
STANDIN = r"""#!/bin/bash
set -u
state=/run/standin
mkdir -p "$state"
quiet=0 now=0 args=()
for a in "$@"; do
    case "$a" in
        -q | --quiet) quiet=1 ;;
        --now) now=1 ;;
        --no-pager) ;;
        *) args+=("$a") ;;
    esac
done
cmd="${args[0]:-}"
unit="${args[1]:-appliance.service}"
unit="${unit%.service}.service"
file="/etc/systemd/system/$unit"
pidf="$state/$unit.pid"
log="$state/$unit.log"
echo "$(date +%T) systemctl $*" >>"$state/calls.log"

alive() { [[ -f "$pidf" && "$(ps -o stat= -p "$(cat "$pidf")" 2>/dev/null)" == [^Z]* ]]; }
prop() { sed -n "s/^$1=[-+@!:]*//p" "$file"; }
as_user() {
    local user group wd envs=() e
    user="$(prop User | tail -1)"
    group="$(prop Group | tail -1)"
    wd="$(prop WorkingDirectory | tail -1)"
    while read -r e; do [[ -n "$e" ]] && envs+=("$e"); done < <(prop Environment)
    cd "${wd:-/}" || return 1
    local mask
    mask="$(prop UMask | tail -1)"
    umask "${mask:-0022}"
    exec setpriv --reuid="$user" --regid="${group:-$user}" --init-groups \
        env -i PATH=/usr/bin:/bin LANG=C.UTF-8 "${envs[@]}" "$@"
}
start() {
    alive && return 0
    [[ -f "$file" ]] || { echo "Unit $unit not found." >&2; return 5; }
    local pre
    while read -r pre; do
        [[ -z "$pre" ]] && continue
        # shellcheck disable=SC2086
        (as_user $pre) >>"$log" 2>&1 || { echo "ExecStartPre failed: $pre" >>"$log"; return 1; }
    done < <(prop ExecStartPre)
    # shellcheck disable=SC2086
    (as_user $(prop ExecStart | tail -1)) >>"$log" 2>&1 </dev/null &
    echo $! >"$pidf"
}
stop() {
    alive || { rm -f "$pidf"; return 0; }
    local pid i
    pid="$(cat "$pidf")"
    kill -TERM "$pid"
    for i in $(seq 300); do
        # Gone, or a zombie: the namespace's first process does not reap what it inherits.
        [[ "$(ps -o stat= -p "$pid" 2>/dev/null)" == [^Z]* ]] || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    rm -f "$pidf"
}
case "$cmd" in
    daemon-reload) ;;
    enable) ((now)) && { start || exit 1; } ;;
    start) start || exit 1 ;;
    stop) stop ;;
    restart) stop; start || exit 1 ;;
    is-active)
        if alive; then ((quiet)) || echo active; exit 0; fi
        ((quiet)) || echo inactive
        exit 3
        ;;
    status)
        if alive; then echo "$unit: active (pid $(cat "$pidf"))"; else echo "$unit: inactive"; fi
        tail -n 30 "$log" 2>/dev/null
        alive
        ;;
    *) echo "stand-in systemctl: unsupported: $*" >&2; exit 1 ;;
esac
"""

SETUP = r"""
set -e
mount --make-rprivate /
for d in etc opt var run; do
    mount -t overlay overlay \
        -o "lowerdir=/$d,upperdir=$SANDBOX/$d/upper,workdir=$SANDBOX/$d/work" "/$d"
done
mkdir -p /run/systemd/system
ip link set lo up
echo ready
exec sleep infinity
"""

SERVICE_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"


class Sandbox:
    """Namespaces kept alive by a sleeping PID 1; :meth:`run` enters them for each command."""

    def __init__(self, root: Path):
        if os.geteuid() != 0 or shutil.which("unshare") is None:
            pytest.skip("installer tests need root and unshare")
        self.root = root
        for d in ("etc", "opt", "var", "run"):
            (root / d / "upper").mkdir(parents=True)
            (root / d / "work").mkdir()
        self.bin = root / "bin"
        self.bin.mkdir()
        (self.bin / "systemctl").write_text(STANDIN)
        (self.bin / "systemctl").chmod(0o755)
        self.tmp = root / "tmp"
        self.tmp.mkdir(mode=0o700)
        self.process = subprocess.Popen(
            ["unshare", "--mount", "--net", "--pid", "--fork", "--mount-proc", "bash", "-c", SETUP],
            env={"PATH": SERVICE_PATH, "SANDBOX": str(root)},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        line = self.process.stdout.readline()
        if line.strip() != "ready":
            self.close()
            raise RuntimeError(f"sandbox did not start: {line}{self.process.stdout.read()}")
        self.pid = self._init_pid()

    def _init_pid(self) -> int:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        for _ in range(50):
            text = children.read_text().split()
            if text:
                return int(text[0])
            time.sleep(0.05)
        raise RuntimeError("no PID 1 in the sandbox")

    def run(
        self, *argv: str, env: dict[str, str] | None = None, timeout: float = 240
    ) -> subprocess.CompletedProcess:
        """Run argv inside, as root, with a clean environment (PATH finds the stand-in)."""
        base = {"PATH": f"{self.bin}:{SERVICE_PATH}", "LANG": "C.UTF-8", "TMPDIR": str(self.tmp)}
        pairs = [f"{k}={v}" for k, v in {**base, **(env or {})}.items()]
        command = ["nsenter", f"--target={self.pid}", "--mount", "--net", "--pid", "--wd=/"]
        return subprocess.run(
            [*command, "env", "-i", *pairs, *argv],
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def as_service_user(self, *argv: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return self.run(
            "setpriv",
            "--reuid=appliance",
            "--regid=appliance",
            "--init-groups",
            "env",
            "HOME=/var/lib/appliance",
            "APPLIANCE_CONFIG=/etc/appliance/config.toml",
            *argv,
            timeout=timeout,
        )

    def upper(self, path: str) -> Path:
        """Where a path written inside landed on this host (its overlay's upper layer)."""
        top, _, rest = path.lstrip("/").partition("/")
        return self.root / top / "upper" / rest

    def close(self) -> None:
        try:
            if getattr(self, "pid", None):
                os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.kill()
        self.process.wait(timeout=10)
        self.process.stdout.close()
