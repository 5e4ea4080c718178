#!/usr/bin/env bash
# Production install (or upgrade) of the appliance from the source tree this script sits in.
#
#   sudo installer/install.sh [--base-url https://survey.example.nl] [--allow-http]
#   sudo installer/install.sh --upgrade
#
# Run as root on Debian 12+ or Ubuntu 24.04+. Safe to run again: existing keys, database and
# /etc/appliance/config.toml are kept. See docs/operations.md.

set -Eeuo pipefail

# --- Fixed locations (the systemd unit and docs/operations.md use the same paths) ----------------
readonly APP_USER=appliance
readonly PREFIX=/opt/appliance
readonly DEST="$PREFIX/src"
readonly VENV="$PREFIX/venv"
readonly CONFIG_DIR=/etc/appliance
readonly CONFIG="$CONFIG_DIR/config.toml"
readonly HOME_DIR=/var/lib/appliance
readonly DATA_DIR="$HOME_DIR/data"
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
# The system interpreter by default: a python under /root (pyenv, conda) is not readable by the
# service user, so the venv would not work for it.
PYTHON=/usr/bin/python3

STEP="starting"

say() { printf '==> %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

usage() {
    cat <<EOF
Usage: $0 [options]

Installs the appliance as a systemd service:
  source $DEST, virtualenv $VENV, config $CONFIG,
  data $DATA_DIR (owned by the '$APP_USER' system user).

Options:
  --base-url URL   public address, e.g. https://survey.example.nl (written into a new config
                   only; an existing $CONFIG is never changed)
  --allow-http     accept an http:// base URL (trials without TLS; cookies then lose the
                   Secure flag)
  --upgrade        upgrade an existing installation: stop, copy, reinstall, migrate, check, start
  --python PATH    Python 3.11+ interpreter for the virtualenv (default $PYTHON)
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
    if ((UPGRADE)); then
        printf 'The service may be stopped. Fix the cause and run %s --upgrade again.\n' "$0" >&2
    else
        printf 'Fix the cause and run %s again; it is safe to repeat.\n' "$0" >&2
    fi
    exit "$status"
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

# The venv works and was made by the same Python version as $PYTHON (a distribution upgrade that
# replaces python3.11 with 3.12 leaves a venv whose site-packages the new interpreter ignores).
venv_ok() {
    "$VENV/bin/python" -c "import pip" >/dev/null 2>&1 &&
        [[ "$(python_version "$VENV/bin/python")" == "$(python_version "$PYTHON")" ]]
}

# --- Steps -----------------------------------------------------------------------------------------

check_prerequisites() {
    STEP="checking prerequisites"
    [[ "$(id -u)" -eq 0 ]] || die "run as root, e.g. sudo $0 $*"
    command -v runuser >/dev/null 2>&1 || die "runuser (util-linux) is required"
    [[ -x "$PYTHON" ]] || die "no Python at $PYTHON; install python3 (3.11 or newer) or pass --python"
    python_ok "$PYTHON" ||
        die "$PYTHON is Python $(python_version "$PYTHON") but" \
            "${MIN_PYTHON[0]}.${MIN_PYTHON[1]} or newer is required"
    [[ -f "$SRC/pyproject.toml" && -f "$SRC/appliance/cli.py" ]] ||
        die "$SRC does not look like the appliance source tree (no pyproject.toml, appliance/cli.py)"
    if ((UPGRADE)); then
        [[ -x "$VENV/bin/appliance" && -f "$CONFIG" ]] ||
            die "no existing installation ($VENV, $CONFIG); run without --upgrade first"
    fi
}

ensure_venv_module() {
    STEP="checking the Python venv module"
    # Debian and Ubuntu ship venv/ensurepip in a separate package.
    if "$PYTHON" -c "import venv, ensurepip" >/dev/null 2>&1; then
        return
    fi
    command -v apt-get >/dev/null 2>&1 ||
        die "$PYTHON lacks the venv module and apt-get is not available; install python3-venv"
    local version
    version="$(python_version "$PYTHON")"
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

copy_source() {
    STEP="copying the source to $DEST"
    if [[ "$SRC" == "$(cd "$DEST" 2>/dev/null && pwd -P)" ]]; then
        say "running from $DEST itself; source not copied"
        return
    fi
    say "copying source $SRC -> $DEST"
    install -d -m 0755 -o root -g root "$PREFIX"
    local stage="$PREFIX/src.new" item
    rm -rf "$stage" "$PREFIX/src.old"
    install -d -m 0755 "$stage"
    for item in "${REQUIRED_ITEMS[@]}"; do
        [[ -e "$SRC/$item" ]] || die "$SRC/$item is missing from the source tree"
        cp -a "$SRC/$item" "$stage/"
    done
    for item in "${OPTIONAL_ITEMS[@]}"; do
        if [[ -e "$SRC/$item" ]]; then
            cp -a "$SRC/$item" "$stage/"
        fi
    done
    # Only the items above are copied, so top-level .venv, data and .git never arrive; drop caches
    # and build leftovers inside them.
    find "$stage" \( -name __pycache__ -o -name '*.egg-info' -o -name .git \) -prune \
        -exec rm -rf {} +
    find "$stage" -name '*.pyc' -delete
    chown -R root:root "$stage"
    chmod -R u=rwX,go=rX "$stage"
    # Swap in one step, so an interrupted copy never leaves a half-old, half-new tree.
    if [[ -e "$DEST" ]]; then
        mv "$DEST" "$PREFIX/src.old"
    fi
    mv "$stage" "$DEST"
    rm -rf "$PREFIX/src.old"
}

install_venv() {
    STEP="installing into the virtualenv $VENV"
    if [[ -e "$VENV" ]] && ! venv_ok; then
        say "existing virtualenv $VENV is broken or from another Python version; recreating it"
        rm -rf "$VENV"
    fi
    if [[ ! -e "$VENV" ]]; then
        say "creating virtualenv $VENV"
        "$PYTHON" -m venv "$VENV"
    fi
    # EDITABLE install on purpose: create_app() and `appliance check` find templates/ and static/
    # next to the package directory (appliance/__init__.py: ROOT = parent of the package), and
    # `init` finds config.example.toml there too. A regular install would put the package in
    # site-packages without those directories. The editable install makes the venv import the
    # package from $DEST/appliance, so ROOT is $DEST.
    say "installing the appliance and its dependencies (needs access to PyPI or PIP_INDEX_URL)"
    "$VENV/bin/python" -m pip install --disable-pip-version-check --quiet -e "$DEST"
    # Byte-compile as root: the service user cannot write __pycache__ below $DEST.
    "$VENV/bin/python" -m compileall -q "$DEST/appliance" >/dev/null
    chmod -R u=rwX,go=rX "$VENV"
    # The service user must be able to run the interpreter the venv points at.
    as_app_user "$VENV/bin/python" -c "import appliance.cli" ||
        die "user $APP_USER cannot run $VENV/bin/python (is $PYTHON under /root?); use --python"
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
    STEP="initialising $DATA_DIR"
    install -d -m 0700 -o "$APP_USER" -g "$APP_USER" "$DATA_DIR"
    say "appliance init (keys, database, migrations)"
    local output
    output="$(appliance_cmd init)"
    if [[ "$output" == *"No admin account exists yet"* ]]; then
        NEEDS_ADMIN=1
    fi
    if systemd_running; then
        # The service prints a fresh setup code when it starts, and a new code cancels this one:
        # do not show a code here that stops working a moment later.
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

install_unit() {
    STEP="installing the systemd unit"
    install -m 0644 -o root -g root "$DEST/installer/appliance.service" "$UNIT_PATH"
    if ! systemd_running; then
        say "systemd is not running (container?): installed $UNIT_PATH but did not enable it"
        return
    fi
    systemctl daemon-reload
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
    sleep 2
    if ! systemctl is-active --quiet "$UNIT_NAME"; then
        systemctl status --no-pager "$UNIT_NAME" >&2 || true
        die "$UNIT_NAME did not start; see journalctl -u appliance"
    fi
}

summary() {
    local cmd="runuser -u $APP_USER -- $VENV/bin/appliance --config $CONFIG" what=installed url
    if ((UPGRADE)); then
        what=upgraded
    fi
    # The public address exactly as the appliance resolves it from the config.
    url="$(as_app_user "$VENV/bin/python" -c 'import sys; from appliance import settings
print(settings.load(config_file=sys.argv[1])["base_url"])' "$CONFIG" 2>/dev/null)" ||
        url="<base_url>"
    printf '\n'
    say "done: appliance $what"
    cat <<EOF
    source   $DEST
    venv     $VENV
    config   $CONFIG
    data     $DATA_DIR (keys in $DATA_DIR/keys: back them up separately)
    service  $UNIT_PATH
    proxy    put nginx or another TLS proxy in front, e.g. $DEST/installer/nginx-appliance.conf
    address  $url
EOF
    if ((NEEDS_ADMIN)); then
        printf '\nNo admin account exists yet. Create the first one at %s/setup\n' "$url"
        printf 'with the one-time setup code.\n'
        if systemd_running; then
            printf 'The service printed it when it started:\n    journalctl -u appliance -n 20 --no-pager\n'
        else
            printf 'It is printed above by init, and again each time "appliance serve" starts.\n'
        fi
        printf 'To print a new code (earlier codes then stop working):\n    %s setup-code\n' "$cmd"
    fi
    printf '\nRun other commands as the %s user, e.g.:\n    %s user list\n' "$APP_USER" "$cmd"
}

main() {
    parse_args "$@"
    SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
    NEEDS_ADMIN=0
    umask 022
    trap on_error ERR
    check_prerequisites "$@"
    ensure_venv_module
    ensure_user
    # Also on a plain re-run: never replace the code under a running service.
    stop_service
    copy_source
    install_venv
    write_config
    init_data
    run_check
    install_unit
    start_service
    summary
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    main "$@"
fi
