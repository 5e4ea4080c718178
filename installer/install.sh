#!/usr/bin/env bash
# Production install (or upgrade) of the appliance, from the source tree this script sits in
# (pip downloads the dependencies) or from a signed offline bundle (no network at all).
#
#   sudo installer/install.sh [--base-url https://survey.example.nl] [--allow-http]
#   sudo installer/install.sh --bundle appliance-0.21.0.tar.gz [--base-url ...]
#   sudo installer/install.sh --upgrade [--bundle appliance-0.21.0.tar.gz]
#
# Run as root on Debian 12+ or Ubuntu 24.04+. Safe to run again: existing keys, database and
# /etc/appliance/config.toml are kept. Each version goes into /opt/appliance/releases/<stamp>/
# {src,venv}; /opt/appliance/current points at the one in use, and /opt/appliance/src and
# /opt/appliance/venv point through it, so one rename switches both. An upgrade backs the data
# up first and puts the old version and its data back when any step fails. See
# docs/operations.md.

set -Eeuo pipefail

# --- Fixed locations (the systemd unit and docs/operations.md use the same paths) ----------------
readonly APP_USER=appliance
readonly PREFIX=/opt/appliance
readonly DEST="$PREFIX/src"
readonly VENV="$PREFIX/venv"
readonly RELEASES="$PREFIX/releases"
readonly CURRENT="$PREFIX/current"
readonly LAST_GOOD="$PREFIX/last-good"
readonly CONFIG_DIR=/etc/appliance
readonly CONFIG="$CONFIG_DIR/config.toml"
readonly HOME_DIR=/var/lib/appliance
readonly DATA_DIR="$HOME_DIR/data"
# Pre-upgrade backups (service user, 0700) and, when the config names no backup key, the key
# they are encrypted with (root:appliance 0640, outside the data directory).
readonly UPGRADE_BACKUPS="$HOME_DIR/upgrade-backups"
readonly UPGRADE_KEY="$CONFIG_DIR/upgrade-backup.key"
readonly KEEP_UPGRADE_BACKUPS=2
readonly BUNDLE_FORMAT="appliance-bundle/1"
readonly KEY_IN_TREE="appliance/licence/vendor_key.pem"
readonly UNIT_NAME=appliance.service
readonly UNIT_PATH="/etc/systemd/system/$UNIT_NAME"
readonly MIN_PYTHON=(3 11)

# What is copied to $DEST. Development leftovers (.venv, data, .git, caches) are never copied.
readonly REQUIRED_ITEMS=(appliance templates static pyproject.toml config.example.toml)
readonly OPTIONAL_ITEMS=(README.md installer docs)

# --- Options ---------------------------------------------------------------------------------------
BASE_URL=""
ALLOW_HTTP=0
UPGRADE=0
BUNDLE=""
VENDOR_KEY=""
LICENCE_FILE=""
HEALTH_TIMEOUT=60
# The system interpreter by default: a python under /root (pyenv, conda) is not readable by the
# service user, so the venv would not work for it.
PYTHON=/usr/bin/python3

STEP="starting"
# Upgrade state, read by rollback(): what has been changed so far.
ARMED=0            # 1 from the first change of an upgrade until it has succeeded
ROLLING_BACK=0
OLD_RELEASE=""     # releases/<stamp> that served before the upgrade
NEW_RELEASE=""     # releases/<stamp> being installed
SWITCHED=0         # current points at NEW_RELEASE
DATA_TOUCHED=0     # migrations (or the new version) may have changed the database
BACKUP_FILE=""
BACKUP_KEY=""
WORK=""            # private temp dir holding the extracted bundle
WHEELS=""
VERSION=""
EXISTING=0

# The seconds since the start show which step takes the time.
say() { printf '==> [%3ds] %s\n' "$SECONDS" "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
    printf 'error: %s\n' "$*" >&2
    if [[ "$BASHPID" == "$$" ]] && ((ARMED && !ROLLING_BACK)); then
        rollback 1
    fi
    exit 1
}

usage() {
    cat <<EOF
Usage: $0 [options]

Installs the appliance as a systemd service:
  release $RELEASES/<stamp>/{src,venv}, reached as $DEST and $VENV,
  config $CONFIG, data $DATA_DIR (owned by the '$APP_USER' system user).

Options:
  --bundle FILE    install from a signed offline bundle (FILE and FILE.sig, made by
                   installer/build_bundle.py): verified before anything changes, installed
                   without any network access
  --base-url URL   public address, e.g. https://survey.example.nl (written into a new config
                   only; an existing $CONFIG is never changed)
  --allow-http     accept an http:// base URL (trials without TLS; cookies then lose the
                   Secure flag)
  --upgrade        upgrade an existing installation: back up, stop, install beside the old
                   version, migrate, start, check /healthz; on any failure the old version and
                   its data are put back
  --vendor-key FILE
                   check the bundle against this vendor public key (PEM), received from the
                   vendor apart from the bundle: needed to upgrade an installation older than
                   signed bundles, and after the vendor rotated its key
  --licence FILE   install this licence file (from the vendor) once the appliance is set up
  --python PATH    Python 3.11+ interpreter for the virtualenv (default $PYTHON)
  --health-timeout SECONDS
                   how long to wait for /healthz after starting (default $HEALTH_TIMEOUT)
  -h, --help       this text
EOF
}

parse_args() {
    while (($#)); do
        case "$1" in
            --base-url)
                (($# >= 2)) || die "--base-url needs a value, e.g. --base-url https://survey.example.nl"
                BASE_URL="$2"
                shift 2
                ;;
            --base-url=*)
                BASE_URL="${1#*=}"
                shift
                ;;
            --allow-http)
                ALLOW_HTTP=1
                shift
                ;;
            --upgrade)
                UPGRADE=1
                shift
                ;;
            --bundle)
                (($# >= 2)) || die "--bundle needs a file, e.g. --bundle appliance-0.21.0.tar.gz"
                BUNDLE="$2"
                shift 2
                ;;
            --bundle=*)
                BUNDLE="${1#*=}"
                shift
                ;;
            --vendor-key)
                (($# >= 2)) || die "--vendor-key needs a PEM file"
                VENDOR_KEY="$2"
                shift 2
                ;;
            --licence)
                (($# >= 2)) || die "--licence needs a file, e.g. --licence LIC-2027-014.licence"
                LICENCE_FILE="$2"
                shift 2
                ;;
            --health-timeout)
                (($# >= 2)) || die "--health-timeout needs a number of seconds"
                HEALTH_TIMEOUT="$2"
                shift 2
                ;;
            --python)
                (($# >= 2)) || die "--python needs a path"
                PYTHON="$2"
                shift 2
                ;;
            --python=*)
                PYTHON="${1#*=}"
                shift
                ;;
            -h | --help)
                usage
                exit 0
                ;;
            *)
                usage >&2
                die "unknown argument: $1"
                ;;
        esac
    done
    [[ "$HEALTH_TIMEOUT" =~ ^[0-9]+$ ]] || die "--health-timeout must be a whole number of seconds"
    if [[ -n "$BASE_URL" ]]; then
        BASE_URL="${BASE_URL%/}"
        # Host, optional port and path; no query, fragment, quotes or spaces (it goes into TOML).
        local pattern='^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?$'
        [[ "$BASE_URL" =~ $pattern ]] ||
            die "--base-url '$BASE_URL' is not a plain URL like https://survey.example.nl"
        if [[ "$BASE_URL" == http://* && "$ALLOW_HTTP" -ne 1 ]]; then
            die "--base-url must start with https:// (add --allow-http only for a trial without TLS)"
        fi
    fi
}

# --- Helpers ---------------------------------------------------------------------------------------

on_error() {
    local status=$?
    # Inside a command substitution or subshell: let the parent report it once.
    if [[ "$BASHPID" != "$$" ]]; then
        exit "$status"
    fi
    printf '\nerror: install failed while %s (exit status %s).\n' "$STEP" "$status" >&2
    if ((ARMED && !ROLLING_BACK)); then
        rollback "$status"
    fi
    if ((UPGRADE)) && [[ -z "$OLD_RELEASE$NEW_RELEASE" ]] && ((!ARMED)); then
        printf 'Nothing was changed. Fix the cause and run %s --upgrade again.\n' "$0" >&2
    elif ((UPGRADE)); then
        printf 'The service may be stopped. Fix the cause and run %s --upgrade again.\n' "$0" >&2
    else
        printf 'Fix the cause and run %s again; it is safe to repeat.\n' "$0" >&2
    fi
    exit "$status"
}

# Ctrl+C, a closed terminal or a kill during an upgrade rolls it back like any failure (bash runs
# no ERR trap for a signal).
on_signal() {
    trap - INT TERM HUP
    printf '\ninterrupted while %s\n' "$STEP" >&2
    if ((ARMED && !ROLLING_BACK)); then
        rollback 130
    fi
    exit 130
}

cleanup() {
    if [[ "$BASHPID" == "$$" && -n "$WORK" && -d "$WORK" ]]; then
        rm -rf "$WORK"
    fi
}

systemd_running() {
    [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1
}

# Run a command as the service user in a clean environment: `env -i` keeps APPLIANCE_* (and
# PYTHON*) variables of root's shell from overriding or breaking the config file; umask 077 so any
# file it creates is private to the service user. Never run appliance commands as root: files root
# creates in the data directory (e.g. the database's -wal/-shm files) lock the service out.
as_app_user() {
    (
        cd /
        umask 077
        runuser -u "$APP_USER" -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
            HOME="$HOME_DIR" "$@"
    )
}

appliance_cmd() {
    as_app_user "$VENV/bin/appliance" --config "$CONFIG" "$@"
}

python_ok() {
    "$1" -c "import sys; sys.exit(sys.version_info < (${MIN_PYTHON[0]}, ${MIN_PYTHON[1]}))" \
        >/dev/null 2>&1
}

python_version() {
    "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null
}

# An installation exists when its config does and its appliance command or its database (a
# broken virtualenv must not turn an upgrade into a fresh install without a backup).
installed() {
    [[ -f "$CONFIG" ]] && [[ -x "$VENV/bin/appliance" || -f "$DATA_DIR/appliance.db" ]]
}

# The bundle check, and the releases with their upgrade and rollback, live beside this script.
INSTALLER_LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/lib"
# shellcheck source=installer/lib/bundle.sh
source "$INSTALLER_LIB/bundle.sh"
# shellcheck source=installer/lib/releases.sh
source "$INSTALLER_LIB/releases.sh"

# --- Checks (nothing on the system changes here) ---------------------------------------------------

check_prerequisites() {
    STEP="checking prerequisites"
    [[ "$(id -u)" -eq 0 ]] || die "run as root, e.g. sudo $0 $*"
    command -v runuser >/dev/null 2>&1 || die "runuser (util-linux) is required"
    [[ -x "$PYTHON" ]] || die "no Python at $PYTHON; install python3 (3.11 or newer) or pass --python"
    python_ok "$PYTHON" ||
        die "$PYTHON is Python $(python_version "$PYTHON") but" \
            "${MIN_PYTHON[0]}.${MIN_PYTHON[1]} or newer is required"
    if [[ -n "$VENDOR_KEY" ]]; then
        [[ -f "$VENDOR_KEY" ]] || die "--vendor-key $VENDOR_KEY does not exist"
        VENDOR_KEY="$(cd "$(dirname "$VENDOR_KEY")" && pwd -P)/$(basename "$VENDOR_KEY")"
    fi
    if [[ -n "$LICENCE_FILE" ]]; then
        [[ -f "$LICENCE_FILE" ]] || die "--licence $LICENCE_FILE does not exist"
    fi
    if installed; then
        EXISTING=1
    fi
    if ((UPGRADE && !EXISTING)); then
        die "no existing installation ($VENV, $CONFIG); run without --upgrade first"
    fi
    if ((EXISTING && !UPGRADE)); then
        say "an installation exists; upgrading it (as with --upgrade)"
        UPGRADE=1
    fi
}

check_source() {
    [[ -f "$SRC/pyproject.toml" && -f "$SRC/appliance/cli.py" ]] ||
        die "$SRC does not look like the appliance source tree (no pyproject.toml, appliance/cli.py)"
    if [[ -z "$VERSION" ]]; then
        VERSION="$("$PYTHON" -c 'import sys, tomllib
print(tomllib.load(open(sys.argv[1], "rb"))["project"]["version"])' "$SRC/pyproject.toml")" ||
            die "cannot read the version from $SRC/pyproject.toml"
    fi
    [[ "$VERSION" =~ ^[A-Za-z0-9._+-]+$ ]] || die "unusable version '$VERSION' in the source tree"
}

# --- Steps -----------------------------------------------------------------------------------------

ensure_venv_module() {
    STEP="checking the Python venv module"
    # Debian and Ubuntu ship venv/ensurepip in a separate package.
    if "$PYTHON" -c "import venv, ensurepip" >/dev/null 2>&1; then
        return
    fi
    local version
    version="$(python_version "$PYTHON")"
    if [[ -n "$BUNDLE" ]]; then
        die "$PYTHON lacks the venv module: install python${version}-venv (package" \
            "python3-venv) first; an install from a bundle never uses apt or the network"
    fi
    command -v apt-get >/dev/null 2>&1 ||
        die "$PYTHON lacks the venv module and apt-get is not available; install python3-venv"
    say "installing python${version}-venv"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y "python${version}-venv" python3-venv; then
        apt-get update
        apt-get install -y "python${version}-venv" python3-venv
    fi
    "$PYTHON" -c "import venv, ensurepip" >/dev/null 2>&1 ||
        die "$PYTHON still lacks the venv module after installing python3-venv"
}

ensure_user() {
    STEP="creating the $APP_USER user"
    if ! getent group "$APP_USER" >/dev/null; then
        groupadd --system "$APP_USER"
    fi
    if ! getent passwd "$APP_USER" >/dev/null; then
        local nologin=/usr/sbin/nologin
        [[ -x "$nologin" ]] || nologin=/bin/false
        useradd --system --gid "$APP_USER" --home-dir "$HOME_DIR" --no-create-home \
            --shell "$nologin" --comment "Customer-satisfaction appliance" "$APP_USER"
        say "created system user $APP_USER (home $HOME_DIR, no login shell)"
    fi
    install -d -m 0700 -o "$APP_USER" -g "$APP_USER" "$HOME_DIR"
}

service_active() {
    systemd_running && systemctl is-active --quiet "$UNIT_NAME"
}

stop_service() {
    STEP="stopping the service"
    if systemd_running; then
        if systemctl is-active --quiet "$UNIT_NAME"; then
            say "stopping $UNIT_NAME"
            systemctl stop "$UNIT_NAME"
        fi
    elif ((UPGRADE)); then
        warn "systemd is not running; make sure no 'appliance serve' is running during the upgrade"
    fi
}

# The setting `name` of the config, as the installed version resolves it ("" when unset).
setting() {
    as_app_user "$VENV/bin/python" -c 'import sys; from appliance import settings
print(settings.load(config_file=sys.argv[1])[sys.argv[2]] or "")' "$CONFIG" "$1"
}

write_config() {
    STEP="writing $CONFIG"
    install -d -m 0750 -o root -g "$APP_USER" "$CONFIG_DIR"
    if [[ -e "$CONFIG" ]]; then
        say "keeping existing $CONFIG"
        if [[ -n "$BASE_URL" ]]; then
            warn "--base-url ignored: $CONFIG exists; edit base_url there"
        fi
        return
    fi
    local secure_cookies=true
    if [[ "$BASE_URL" == http://* ]]; then
        secure_cookies=false
        warn "base_url is plain http: writing secure_cookies = false; use https for real use"
    fi
    local tmp
    tmp="$(mktemp "$CONFIG_DIR/.config.toml.XXXXXX")"
    # Every setting stays commented with its default, except the production values set here.
    if ! "$VENV/bin/python" - "$DEST/config.example.toml" "$tmp" "$DATA_DIR" "$BASE_URL" \
        "$secure_cookies" <<'PY'; then
import json
import sys
from datetime import date

example, target, data_dir, base_url, secure_cookies = sys.argv[1:]
text = open(example, encoding="utf-8").read()
changes = {
    '# data_dir = "./data"': f"data_dir = {json.dumps(data_dir)}",
    '# host = "127.0.0.1"': 'host = "127.0.0.1"',
    "# trusted_proxies = 0": "trusted_proxies = 1",
}
if base_url:
    changes['# base_url = ""'] = f"base_url = {json.dumps(base_url)}"
if secure_cookies == "false":
    changes["# secure_cookies = true"] = "secure_cookies = false"
lines = text.splitlines()
for old, new in changes.items():
    if lines.count(old) != 1:
        sys.exit(f"config.example.toml: expected exactly one line {old!r}")
    lines[lines.index(old)] = new
header = [
    f"# Written by installer/install.sh on {date.today().isoformat()}. The installer never",
    "# overwrites this file; edit it and restart the service (systemctl restart appliance).",
    "",
]
with open(target, "w", encoding="utf-8") as fh:
    fh.write("\n".join(header + lines) + "\n")
PY
        rm -f "$tmp"
        die "could not write $CONFIG from $DEST/config.example.toml"
    fi
    chown root:"$APP_USER" "$tmp"
    chmod 0640 "$tmp"
    mv "$tmp" "$CONFIG"
    say "wrote $CONFIG (mode 0640, root:$APP_USER)"
    if [[ -z "$BASE_URL" ]]; then
        warn "no --base-url given: set base_url in $CONFIG to the public https address"
    fi
}

init_data() {
    STEP="initialising $DATA_DIR (appliance init: keys, database, migrations)"
    install -d -m 0700 -o "$APP_USER" -g "$APP_USER" "$DATA_DIR"
    say "appliance init (keys, database, migrations)"
    local output
    DATA_TOUCHED=1
    output="$(appliance_cmd init)"
    if [[ "$output" == *"No admin account exists yet"* ]]; then
        NEEDS_ADMIN=1
    fi
    if systemd_running; then
        # The service prints a fresh setup code when it starts, and a new code cancels this one:
        # do not show a code here that stops working a moment later (summary prints one).
        printf '%s\n' "$output" | sed '/No admin account exists yet/,/setup-code/d'
    else
        printf '%s\n' "$output"
    fi
}

run_check() {
    STEP="running appliance check"
    say "appliance check"
    appliance_cmd check
}

# A licence given with --licence, installed as the service user. A refused file is reported, not
# fatal: the trial (or the licence installed before) goes on, and the admin can install one later.
install_licence() {
    [[ -n "$LICENCE_FILE" ]] || return 0
    STEP="installing the licence"
    # In the service user's home: a root-only TMPDIR would hide it from that user.
    local copy="$HOME_DIR/.licence-to-install"
    install -m 0600 -o "$APP_USER" -g "$APP_USER" "$LICENCE_FILE" "$copy"
    if ! appliance_cmd licence install "$copy"; then
        warn "the licence $LICENCE_FILE was not installed (the reason is above); install it" \
            "later in the browser (Licence) or with: appliance licence install FILE"
    fi
    rm -f "$copy"
}

install_unit() {
    STEP="installing the systemd unit"
    install -m 0644 -o root -g root "$DEST/installer/appliance.service" "$UNIT_PATH"
    if ! systemd_running; then
        say "systemd is not running (container?): installed $UNIT_PATH but did not enable it"
        return
    fi
    systemctl daemon-reload
}

# /healthz answers 200 on the configured address, within HEALTH_TIMEOUT seconds, while the
# service stays active. Returns non-zero otherwise (no exit: rollback() uses it too).
healthy() {
    local deadline=$((SECONDS + HEALTH_TIMEOUT))
    while ((SECONDS < deadline)); do
        if ! systemctl is-active --quiet "$UNIT_NAME"; then
            sleep 1
            systemctl is-active --quiet "$UNIT_NAME" || return 1
        fi
        if as_app_user "$VENV/bin/python" - "$CONFIG" <<'PY' >/dev/null 2>&1; then
import sys
import urllib.request

from appliance import settings

values = settings.load(config_file=sys.argv[1])
host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(values["host"], values["host"])
host = f"[{host}]" if ":" in host else host
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
with opener.open(f"http://{host}:{values['port']}/healthz", timeout=3) as response:
    sys.exit(0 if response.status == 200 else 1)
PY
            return 0
        fi
        sleep 0.5
    done
    return 1
}

start_service() {
    STEP="starting the service"
    if ! systemd_running; then
        say "systemd is not running; start the appliance by hand:"
        printf '    runuser -u %s -- env -i PATH=/usr/bin:/bin APPLIANCE_CONFIG=%s %s serve\n' \
            "$APP_USER" "$CONFIG" "$VENV/bin/appliance"
        return
    fi
    say "enabling and starting $UNIT_NAME"
    systemctl enable --now "$UNIT_NAME"
    STEP="checking /healthz"
    if ! healthy; then
        systemctl status --no-pager "$UNIT_NAME" >&2 || true
        die "$UNIT_NAME did not answer /healthz within $HEALTH_TIMEOUT s; see journalctl -u appliance"
    fi
    say "/healthz answers"
}

summary() {
    local cmd="runuser -u $APP_USER -- $VENV/bin/appliance --config $CONFIG" what=installed url
    if ((UPGRADE)); then
        what=upgraded
    fi
    # The public address exactly as the appliance resolves it from the config.
    url="$(setting base_url 2>/dev/null)" || url="<base_url>"
    printf '\n'
    say "done: appliance $VERSION $what"
    cat <<EOF
    release  $PREFIX/$(current_release)
    source   $DEST
    venv     $VENV
    config   $CONFIG
    data     $DATA_DIR (keys in $DATA_DIR/keys: back them up separately)
    service  $UNIT_PATH
    proxy    put nginx or another TLS proxy in front, e.g. $DEST/installer/nginx-appliance.conf
    address  $url
EOF
    if [[ -n "$BACKUP_FILE" ]]; then
        printf '    backup   %s (before the upgrade; key %s)\n' "$BACKUP_FILE" "$BACKUP_KEY"
    fi
    local licence
    licence="$(appliance_cmd licence show 2>/dev/null | sed -n 1p)" || licence=""
    if [[ -n "$licence" ]]; then
        printf '    %s\n' "$licence"
    fi
    if ((NEEDS_ADMIN)); then
        if systemd_running; then
            # Printed after the start: a new code cancels the one the service logged.
            appliance_cmd setup-code
        else
            printf '\nNo admin account exists yet. Create the first one at %s/setup\n' "$url"
            printf 'with the one-time code printed above by init (and by each start of serve).\n'
        fi
        printf 'To print a new code (earlier codes then stop working):\n    %s setup-code\n' "$cmd"
    fi
    printf '\nRun other commands as the %s user, e.g.:\n    %s user list\n' "$APP_USER" "$cmd"
}

install_fresh() {
    new_release
    activate_new_release
    write_config
    init_data
    run_check
    install_licence
    install_unit
    start_service
    mark_good
    prune_releases
}

# Everything from here changes the installation: any failure rolls back (rollback()).
upgrade() {
    local good
    good="$(last_good)"
    if [[ -n "$good" && "$(current_release)" != "$good" ]]; then
        die "an earlier upgrade did not finish: $CURRENT points at $(current_release), but" \
            "$good served last. Put it back first: stop the service, point $CURRENT at" \
            "$good (ln -sfn $good $CURRENT), restore the newest backup in $UPGRADE_BACKUPS with" \
            "its appliance restore (see docs/operations.md, Upgrading), start, then upgrade again"
    fi
    ARMED=1
    OLD_RELEASE="$(current_release)"
    stop_service
    # After the stop: a backup taken while serving would miss what is written until the stop,
    # and a rollback would lose it.
    backup_data
    new_release
    adopt_old_layout
    activate_new_release
    install_unit
    init_data
    run_check
    install_licence
    start_service
    trap '' INT TERM HUP
    ARMED=0
    mark_good
    trap on_signal INT TERM HUP
    prune_releases
    prune_upgrade_backups
}

main() {
    parse_args "$@"
    SCRIPT_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
    SRC="$SCRIPT_SRC"
    NEEDS_ADMIN=0
    umask 022
    trap on_error ERR
    trap cleanup EXIT
    trap on_signal INT TERM HUP
    check_prerequisites "$@"
    # Nothing on the system changes before the bundle is verified.
    if [[ -n "$BUNDLE" ]]; then
        verify_bundle
    fi
    check_source
    ensure_venv_module
    ensure_user
    if ((UPGRADE)); then
        upgrade
    else
        install_fresh
    fi
    summary
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    main "$@"
fi
