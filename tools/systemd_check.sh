#!/usr/bin/env bash
# The appliance under a real systemd: boots Debian 12 in a container (systemd-nspawn), installs
# this source tree with installer/install.sh and checks that the hardened unit starts, serves,
# is restarted after a crash, runs its scheduled jobs and stops cleanly. Prints PASS/FAIL per
# check; exits 1 if any failed.
#
#   sudo tools/systemd_check.sh [--head] [--keep]
#
#   --head   install `git archive HEAD` instead of the working tree (tracked and untracked files
#            that git does not ignore)
#   --keep   leave the container running afterwards, to look around in it
#
# Needs root, Debian/Ubuntu (installs systemd-container and debootstrap with apt if missing) and
# network access to deb.debian.org and PyPI. The Debian root is made once in $WORK/root and kept;
# every run boots it on a throw-away overlay, so each run installs from scratch. The container
# has a network namespace of its own (loopback only): nothing it runs is reachable from outside
# and port 8080 of this machine is left alone. PyPI is only used on this side, to fill
# $WORK/wheels; the installer in the container installs from there without an index.

set -Euo pipefail

readonly WORK="${APPLIANCE_NSPAWN_DIR:-/var/tmp/appliance-nspawn}"
readonly BASE="$WORK/root"
readonly WHEELS="$WORK/wheels"
readonly SUITE=bookworm
readonly MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
readonly PACKAGES=systemd,systemd-sysv,dbus,python3,python3-venv,python3-pip,curl,ca-certificates,\
procps,iproute2
readonly UNIT=appliance.service
readonly DATA=/var/lib/appliance/data
readonly VENV=/opt/appliance/venv

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
readonly REPO
HEAD_ONLY=0
KEEP=0
NSPAWN_PID=""
LEADER=""
RUN=""
PASSED=0
FAILED=0
START=$SECONDS

say() { printf '==> %s\n' "$*"; }
die() {
    printf 'error: %s\n' "$*" >&2
    exit 2
}
pass() {
    PASSED=$((PASSED + 1))
    printf 'PASS  %s\n' "$*"
}
fail() {
    FAILED=$((FAILED + 1))
    printf 'FAIL  %s\n' "$*"
}
# check "what" command...: PASS or FAIL by the command's exit status.
check() {
    local what="$1"
    shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}

# A command inside the container, as root, in a clean environment (this side's PIP_* and
# APPLIANCE_* variables stay out).
in_ct() {
    nsenter -t "$LEADER" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"
}

# Poll a command until it succeeds or SECONDS_LEFT run out.
wait_for() {
    local seconds_left="$1"
    shift
    local until=$((SECONDS + seconds_left))
    while ((SECONDS < until)); do
        if "$@" >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.5
    done
    "$@" >/dev/null 2>&1
}

cleanup() {
    local status=$?
    if [[ -n "$NSPAWN_PID" ]] && kill -0 "$NSPAWN_PID" 2>/dev/null; then
        if ((KEEP)); then
            printf '\ncontainer kept: nsenter -t %s -a bash   (stop it: kill %s)\n' \
                "$LEADER" "$NSPAWN_PID"
        else
            # nspawn turns SIGTERM into an orderly shutdown of the container.
            kill -TERM "$NSPAWN_PID" 2>/dev/null || true
            for _ in $(seq 60); do
                kill -0 "$NSPAWN_PID" 2>/dev/null || break
                sleep 0.5
            done
            kill -KILL "$NSPAWN_PID" 2>/dev/null || true
        fi
    fi
    if [[ -n "$RUN" && $KEEP -eq 0 ]]; then
        rm -rf "$RUN"
    fi
    exit "$status"
}

parse_args() {
    while (($#)); do
        case "$1" in
            --head) HEAD_ONLY=1 ;;
            --keep) KEEP=1 ;;
            -h | --help)
                sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
                exit 0
                ;;
            *) die "unknown argument: $1" ;;
        esac
        shift
    done
}

ensure_tools() {
    [[ "$(id -u)" -eq 0 ]] || die "run as root"
    local missing=()
    command -v systemd-nspawn >/dev/null || missing+=(systemd-container)
    command -v debootstrap >/dev/null || missing+=(debootstrap)
    if ((${#missing[@]})); then
        say "installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -q "${missing[@]}" >/dev/null ||
            { apt-get update -q >/dev/null && apt-get install -y -q "${missing[@]}" >/dev/null; } ||
            die "could not install ${missing[*]}"
    fi
    command -v nsenter >/dev/null || die "nsenter (util-linux) is required"
}

ensure_base() {
    if [[ -x "$BASE/lib/systemd/systemd" && -x "$BASE/usr/bin/python3" &&
        -x "$BASE/usr/sbin/ip" ]]; then
        say "reusing the Debian root $BASE"
        return
    fi
    local t0=$SECONDS
    say "debootstrap $SUITE into $BASE (once; about a minute)"
    rm -rf "$BASE.new"
    mkdir -p "$WORK"
    debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$BASE.new" "$MIRROR" \
        >"$WORK/debootstrap.log" 2>&1 || die "debootstrap failed; see $WORK/debootstrap.log"
    echo appliance-check >"$BASE.new/etc/hostname"
    rm -rf "$BASE"
    mv "$BASE.new" "$BASE"
    say "debootstrap took $((SECONDS - t0)) s"
}

stage_source() {
    RUN="$(mktemp -d "$WORK/run.XXXXXX")"
    mkdir -p "$RUN/src" "$RUN/probe"
    if ((HEAD_ONLY)); then
        git -C "$REPO" archive HEAD | tar -x -C "$RUN/src"
    else
        # What the next commit would hold: tracked files as they are now, plus new ones.
        (cd "$REPO" && git ls-files -z --cached --others --exclude-standard |
            tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -x -C "$RUN/src"
    fi
    [[ -f "$RUN/src/installer/install.sh" ]] || die "no installer/install.sh in the staged source"
    chmod -R go+rX "$RUN"
}

fill_wheelhouse() {
    # Downloaded by the container's own pip, so the wheels fit its Python and C library.
    local t0=$SECONDS
    local options=(--bind="$WHEELS:/opt/wheels" --bind="$RUN/src:/opt/src")
    local pip_env=(PATH=/usr/bin:/bin HOME=/root)
    # This machine's CA bundle, which knows a TLS-inspecting proxy if there is one, and its
    # package index if one is set.
    if [[ -f /etc/ssl/certs/ca-certificates.crt ]]; then
        options+=(--bind-ro=/etc/ssl/certs/ca-certificates.crt:/run/host-ca.crt)
        pip_env+=(PIP_CERT=/run/host-ca.crt)
    fi
    if [[ "${PIP_INDEX_URL:-}" == http* ]]; then
        pip_env+=(PIP_INDEX_URL="$PIP_INDEX_URL")
    fi
    mkdir -p "$WHEELS"
    say "downloading wheels into $WHEELS"
    if systemd-nspawn -q -D "$BASE" --volatile=overlay --register=no --keep-unit "${options[@]}" \
        env -i "${pip_env[@]}" python3 -m pip download \
        --disable-pip-version-check -q -d /opt/wheels /opt/src "setuptools>=69" wheel \
        >"$WORK/pip-download.log" 2>&1; then
        say "wheels ready ($((SECONDS - t0)) s)"
    elif compgen -G "$WHEELS/*.whl" >/dev/null; then
        say "pip download failed (see $WORK/pip-download.log); using the wheels already there"
    else
        die "pip download failed; see $WORK/pip-download.log"
    fi
}

boot() {
    say "booting the container"
    # CAP_BPF and the bpf() call let the container's systemd attach the unit's IP filter
    # (IPAddressDeny=); nspawn withholds both by default.
    systemd-nspawn -q -b -D "$BASE" --volatile=overlay --private-network --register=no \
        --keep-unit -M appliance-check --console=passive \
        --capability=CAP_BPF --system-call-filter=bpf \
        --bind-ro="$RUN/src:/opt/src" --bind-ro="$WHEELS:/opt/wheels" \
        --bind-ro="$RUN/probe:/opt/probe" >"$WORK/boot.log" 2>&1 &
    NSPAWN_PID=$!
    local until=$((SECONDS + 30))
    while [[ -z "$LEADER" ]] && ((SECONDS < until)); do
        # The container's init once nspawn's short-lived intermediate child is gone.
        LEADER="$(ps --ppid "$NSPAWN_PID" -o pid=,comm= | awk '$2 == "systemd" {print $1}')"
        [[ -n "$LEADER" ]] || sleep 0.2
        kill -0 "$NSPAWN_PID" 2>/dev/null || break
    done
    [[ -n "$LEADER" ]] || {
        cat "$WORK/boot.log" >&2
        die "the container did not start"
    }
    local state
    # systemctl talks to PID 1 through this socket; it appears a moment after the boot starts.
    wait_for 30 nsenter -t "$LEADER" -a test -S /run/systemd/private
    state="$(timeout 60 nsenter -t "$LEADER" -a systemctl is-system-running --wait 2>&1)" || true
    if [[ "$state" == running || "$state" == degraded ]]; then
        pass "container boots systemd ($state)"
    else
        fail "container boots systemd ($state)"
        cat "$WORK/boot.log" >&2
        exit 1
    fi
}

main_pid() { in_ct systemctl show -p MainPID --value "$UNIT"; }
healthz() { [[ "$(in_ct curl -fsS -m 5 http://127.0.0.1:8080/healthz)" == ok ]]; }
# An audit action recorded by the service (the database is opened read-only).
audited() {
    in_ct runuser -u appliance -- "$VENV/bin/python" -c '
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}/appliance.db?mode=ro", uri=True)
sys.exit(not db.execute("SELECT 1 FROM audit_log WHERE action = ?", (sys.argv[2],)).fetchone())
' "$DATA" "$1"
}

install_appliance() {
    local t0=$SECONDS
    if in_ct PIP_NO_INDEX=1 PIP_FIND_LINKS=/opt/wheels \
        bash /opt/src/installer/install.sh --base-url http://localhost:8080 --allow-http \
        >"$WORK/install.log" 2>&1; then
        pass "installer/install.sh completes ($((SECONDS - t0)) s)"
    else
        fail "installer/install.sh completes; last lines of $WORK/install.log:"
        tail -20 "$WORK/install.log"
        return 1
    fi
}

check_service() {
    check "unit is the tree's installer/appliance.service" \
        in_ct cmp -s /opt/src/installer/appliance.service "/etc/systemd/system/$UNIT"
    check "unit is active" in_ct systemctl is-active --quiet "$UNIT"
    check "/healthz answers ok" wait_for 20 healthz
    local pid status
    pid="$(main_pid)"
    status="$(in_ct cat "/proc/$pid/status" 2>/dev/null)"
    if grep -q '^NoNewPrivs:[[:space:]]*1' <<<"$status" &&
        grep -q '^Seccomp:[[:space:]]*2' <<<"$status" &&
        grep -q '^CapEff:[[:space:]]*0000000000000000' <<<"$status" &&
        # PrivateUsers: single ids mapped (root, appliance, nobody), not the whole range.
        ! in_ct grep -q 4294967295 "/proc/$pid/uid_map"; then
        pass "sandbox on the main process: no new privileges, seccomp, no capabilities," \
            "own user namespace"
    else
        fail "sandbox in force on the main process (pid $pid)"
    fi
    check "scheduler ran the overdue retention job at start (audit retention.purged)" \
        wait_for 30 audited retention.purged
}

write_probe() {
    cat >"$RUN/probe/probe.py" <<'PY'
"""Runs as appliance-probe.service: the installed appliance.service with this as its command.

Checks that what the appliance runs works inside the unit's sandbox, and that the sandbox holds.
"""

import ctypes
import io
import mmap
import os
import smtplib
import socket
import threading

failed = 0


def probe(name, fn):
    global failed
    try:
        detail = fn()
        print(f"PASS  probe: {name}" + (f" ({detail})" if detail else ""), flush=True)
    except Exception as exc:  # noqa: BLE001 - every failure is reported the same way
        failed += 1
        print(f"FAIL  probe: {name}: {type(exc).__name__}: {exc}", flush=True)


def refused(fn, errno_=1):
    try:
        fn()
    except OSError as exc:
        assert exc.errno == errno_, exc
        return
    raise AssertionError("allowed")


def scan_pipeline():
    import segno
    from fpdf import FPDF

    from appliance.paper import scan

    pdf = FPDF(unit="mm", format="A4")
    pdf.add_page()
    png = io.BytesIO()
    segno.make("probe-42", error="m").save(png, kind="png", scale=8, border=2)
    png.seek(0)
    pdf.image(png, x=80, y=110, w=50)
    for x, y in ((10, 10), (192, 10), (192, 279), (10, 279)):
        pdf.rect(x, y, 8, 8, style="F")
    page = scan.load_pages(bytes(pdf.output()), dpi=150)[0]
    assert scan.read_qr(page) == ["probe-42"], scan.read_qr(page)
    assert scan.find_markers(page, 8.0) is not None, "markers not found"
    return f"{page.shape[1]}x{page.shape[0]} px page: QR and four markers read"


def ctypes_callback():
    compare = ctypes.CFUNCTYPE(
        ctypes.c_int, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int)
    )
    values = (ctypes.c_int * 5)(5, 1, 4, 2, 3)
    libc = ctypes.CDLL(None)
    libc.qsort(values, 5, ctypes.sizeof(ctypes.c_int), compare(lambda a, b: a[0] - b[0]))
    assert list(values) == [1, 2, 3, 4, 5], list(values)


def numeric():
    import numpy as np

    m = np.random.default_rng(1).random((300, 300))
    assert np.allclose(m @ np.linalg.inv(m), np.eye(300), atol=1e-6)


def crypto():
    from argon2 import PasswordHasher
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    hasher = PasswordHasher()
    assert hasher.verify(hasher.hash("probe-password"), "probe-password")
    key = Ed25519PrivateKey.generate()
    key.public_key().verify(key.sign(b"probe"), b"probe")
    aead = AESGCM(AESGCM.generate_key(bit_length=256))
    assert aead.decrypt(b"0" * 12, aead.encrypt(b"0" * 12, b"probe", None), None) == b"probe"


def relay(address, timeout=5):
    """A minimal SMTP relay on ADDRESS (this process serves it), reached with smtplib."""
    server = socket.create_server(("0.0.0.0", 0))
    port = server.getsockname()[1]

    def answer():
        conn, _ = server.accept()
        with conn, conn.makefile("rb") as lines:
            conn.sendall(b"220 probe ESMTP\r\n")
            for line in lines:
                conn.sendall(b"221 bye\r\n" if line.upper().startswith(b"QUIT") else b"250 ok\r\n")

    threading.Thread(target=answer, daemon=True).start()
    try:
        with smtplib.SMTP(address, port, timeout=timeout) as smtp:
            assert smtp.noop()[0] == 250
    finally:
        server.close()


def writable(path):
    name = os.path.join(path, f".probe-{os.getpid()}")
    with open(name, "w"):
        pass
    os.unlink(name)


probe("PDF scan: pypdfium2, Pillow, numpy, OpenCV, zxing-cpp", scan_pipeline)
probe("ctypes callback (libffi closure) from C", ctypes_callback)
probe("numpy linear algebra", numeric)
probe("argon2, Ed25519, AES-GCM", crypto)
probe("SMTP to a relay on the LAN (10.77.0.1)", lambda: relay("10.77.0.1"))
probe("SMTP to a relay on the internet (192.0.2.10)", lambda: relay("192.0.2.10"))
probe(
    "no writable+executable memory",
    lambda: refused(lambda: mmap.mmap(-1, 4096, prot=mmap.PROT_WRITE | mmap.PROT_EXEC)),
)
probe("setuid() refused (~@privileged)", lambda: refused(lambda: os.setuid(os.getuid())))
probe("setpriority() refused (~@resources)", lambda: refused(lambda: os.setpriority(0, 0, 5)))
probe("other users' processes hidden", lambda: refused(lambda: os.stat("/proc/1"), 2))
probe("/proc holds processes only", lambda: refused(lambda: os.stat("/proc/meminfo"), 2))
probe("/opt/appliance read-only", lambda: refused(lambda: writable("/opt/appliance"), 30))
probe("/var/lib/appliance writable", lambda: writable("/var/lib/appliance"))
raise SystemExit(1 if failed else 0)
PY
}

run_probe() {
    # The installed unit with the probe as its command: same user, sandbox and filters.
    # A LAN address and an internet one (TEST-NET-1) on this container's loopback, for the relay.
    local probe_unit=/etc/systemd/system/appliance-probe.service
    in_ct sh -c "sed -e '/^ExecStartPre=/d' -e '/^Restart/d' -e 's/^Type=.*/Type=oneshot/' \
        -e 's|^ExecStart=.*|ExecStart=$VENV/bin/python /opt/probe/probe.py|' \
        -e '/^\[Install\]/,\$d' /etc/systemd/system/$UNIT >$probe_unit
        printf 'StandardOutput=truncate:/run/appliance-probe.log\nStandardError=inherit\n' \
            >>$probe_unit
        ip addr add 10.77.0.1/32 dev lo && ip addr add 192.0.2.10/32 dev lo &&
        systemctl daemon-reload"
    local t0=$SECONDS
    in_ct systemctl start appliance-probe.service >/dev/null 2>&1
    local status=$?
    local out
    out="$(in_ct cat /run/appliance-probe.log 2>/dev/null)"
    PASSED=$((PASSED + $(grep -c '^PASS' <<<"$out")))
    FAILED=$((FAILED + $(grep -c '^FAIL' <<<"$out")))
    printf '%s\n' "$out" | grep -E '^(PASS|FAIL)' || true
    if ((status != 0)) && ! grep -q '^FAIL' <<<"$out"; then
        fail "probe unit ran (exit status $status):" \
            "$(in_ct journalctl -u appliance-probe -n 5 -o cat)"
    fi
    say "probe took $((SECONDS - t0)) s"
}

check_restart_and_nightly_job() {
    # A nightly backup at the next whole minute at least 30 s away, in the appliance's time
    # zone; it starts with the restart below (systemd applies a reloaded unit on restart).
    local when
    when="$(in_ct runuser -u appliance -- "$VENV/bin/python" -c '
import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo
from appliance import settings
tz = ZoneInfo(settings.load(config_file=sys.argv[1])["timezone"])
print((datetime.now(tz) + timedelta(seconds=90)).strftime("%H:%M"))' /etc/appliance/config.toml)"
    in_ct sh -c "$VENV/bin/appliance backup-key --out /etc/appliance/backup.key >/dev/null &&
        chown appliance: /etc/appliance/backup.key &&
        mkdir -p /etc/systemd/system/$UNIT.d &&
        printf '[Service]\nEnvironment=%s\nEnvironment=%s\n' APPLIANCE_BACKUP_TIME=$when \
            APPLIANCE_BACKUP_KEY_FILE=/etc/appliance/backup.key \
            >/etc/systemd/system/$UNIT.d/check.conf && systemctl daemon-reload"

    local old t0=$SECONDS
    old="$(main_pid)"
    in_ct kill -9 "$old"
    new_pid() {
        local pid
        pid="$(main_pid)"
        [[ "$pid" != 0 && "$pid" != "$old" ]] && in_ct systemctl is-active --quiet "$UNIT"
    }
    if wait_for 30 new_pid && wait_for 20 healthz; then
        pass "kill -9 of the main process: restarted (pid $old -> $(main_pid)," \
            "NRestarts=$(in_ct systemctl show -p NRestarts --value "$UNIT")), /healthz ok again" \
            "after $((SECONDS - t0)) s"
    else
        fail "kill -9 of the main process: restarted (pid $old -> $(main_pid))"
    fi

    t0=$SECONDS
    say "waiting for the nightly backup job set for $when"
    if wait_for 150 audited backup.written &&
        in_ct sh -c "ls $DATA/backups/ | grep -q '\.backup$'"; then
        pass "scheduler ran the nightly backup at $when (audit backup.written, file in" \
            "$DATA/backups; waited $((SECONDS - t0)) s)"
    else
        fail "scheduler ran the nightly backup at $when (audit backup.written)"
        audited backup.failed && in_ct journalctl -u "$UNIT" -n 20 -o cat --no-pager
    fi
}

check_stop_and_journal() {
    local t0=$SECONDS
    in_ct systemctl stop "$UNIT"
    local result
    result="$(in_ct systemctl show -p Result --value "$UNIT")"
    if [[ "$result" == success ]] && ! in_ct systemctl is-active --quiet "$UNIT"; then
        pass "systemctl stop: clean stop (Result=success, $((SECONDS - t0)) s)"
    else
        fail "systemctl stop: clean stop (Result=$result)"
    fi
    local bad
    bad="$(in_ct journalctl -u "$UNIT" -o cat --no-pager |
        grep -E 'Traceback|SIGSYS|Bad system call|Operation not permitted|status=31' || true)"
    if [[ -z "$bad" ]]; then
        pass "journal of $UNIT: no traceback, SIGSYS or EPERM"
    else
        fail "journal of $UNIT: $bad"
    fi
}

main() {
    parse_args "$@"
    ensure_tools
    trap cleanup EXIT
    ensure_base
    stage_source
    write_probe
    fill_wheelhouse
    local t0=$SECONDS
    boot
    say "container up in $((SECONDS - t0)) s"
    if install_appliance; then
        check_service
        run_probe
        check_restart_and_nightly_job
        check_stop_and_journal
    fi
    printf '\n%d passed, %d failed in %d s\n' "$PASSED" "$FAILED" "$((SECONDS - START))"
    ((FAILED == 0))
}

main "$@"
