# Sourced by installer/install.sh: releases side by side under $RELEASES, the switch between
# them, the backup taken before an upgrade, and the rollback that puts the old release and its
# data back when any step of an upgrade fails.
# shellcheck shell=bash disable=SC2034  # its globals are install.sh's (STEP, SRC, ...)

backup_data() {
    STEP="taking an encrypted backup"
    if [[ ! -f "$DATA_DIR/appliance.db" ]]; then
        say "no database in $DATA_DIR yet; nothing to back up"
        return
    fi
    BACKUP_KEY="$(setting backup_key_file)"
    if [[ -z "$BACKUP_KEY" ]]; then
        BACKUP_KEY="$UPGRADE_KEY"
        if [[ ! -f "$BACKUP_KEY" ]]; then
            # Made once and kept: every pre-upgrade backup can be restored with it.
            "$VENV/bin/appliance" backup-key --out "$BACKUP_KEY" >/dev/null
            say "created the upgrade backup key $BACKUP_KEY (keep a copy away from the server)"
        fi
        chown root:"$APP_USER" "$BACKUP_KEY"
        chmod 0640 "$BACKUP_KEY"
    fi
    install -d -m 0700 -o "$APP_USER" -g "$APP_USER" "$UPGRADE_BACKUPS"
    local output
    output="$(appliance_cmd backup --out "$UPGRADE_BACKUPS" --key-file "$BACKUP_KEY")"
    BACKUP_FILE="$(printf '%s\n' "$output" | sed -n 's/^wrote \(.*\.backup\) (.*/\1/p')"
    [[ -n "$BACKUP_FILE" && -f "$BACKUP_FILE" ]] ||
        die "appliance backup wrote no backup file: $output"
    say "backup $BACKUP_FILE (key $BACKUP_KEY)"
}

new_stamp() {
    local stamp
    stamp="$VERSION-$(date -u +%Y%m%dT%H%M%SZ)"
    while [[ -e "$RELEASES/$stamp" ]]; do
        stamp="$stamp-1"
    done
    printf '%s\n' "$stamp"
}

# A new release directory: the source copied from $SRC, a virtualenv made in place (a venv
# cannot be moved after it is made), the appliance installed into it in editable mode.
new_release() {
    STEP="copying the source"
    install -d -m 0755 -o root -g root "$PREFIX" "$RELEASES"
    local stamp item
    stamp="$(new_stamp)"
    NEW_RELEASE="releases/$stamp"
    local target="$PREFIX/$NEW_RELEASE"
    say "installing appliance $VERSION into $target"
    install -d -m 0755 "$target" "$target/src"
    for item in "${REQUIRED_ITEMS[@]}"; do
        [[ -e "$SRC/$item" ]] || die "$SRC/$item is missing from the source tree"
        cp -a "$SRC/$item" "$target/src/"
    done
    for item in "${OPTIONAL_ITEMS[@]}"; do
        if [[ -e "$SRC/$item" ]]; then
            cp -a "$SRC/$item" "$target/src/"
        fi
    done
    # Only the items above are copied, so top-level .venv, data and .git never arrive; drop caches
    # and build leftovers inside them.
    find "$target/src" \( -name __pycache__ -o -name '*.egg-info' -o -name .git \) -prune \
        -exec rm -rf {} +
    find "$target/src" -name '*.pyc' -delete
    chown -R root:root "$target/src"
    chmod -R u=rwX,go=rX "$target/src"

    STEP="installing into the virtualenv $target/venv"
    "$PYTHON" -m venv "$target/venv"
    # EDITABLE install on purpose: create_app() and `appliance check` find templates/ and static/
    # next to the package directory (appliance/__init__.py: ROOT = parent of the package), and
    # `init` finds config.example.toml there too. A regular install would put the package in
    # site-packages without those directories.
    if [[ -n "$WHEELS" ]]; then
        say "installing the appliance and its dependencies from the bundle (no network)"
        # No index, no pip configuration of this machine, no cache: only the bundle's wheels.
        env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/root \
            PIP_CONFIG_FILE=/dev/null PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
            "$target/venv/bin/python" -m pip install --quiet --no-index \
            --find-links "$WHEELS" -e "$target/src"
    else
        say "installing the appliance and its dependencies (needs access to PyPI or PIP_INDEX_URL)"
        "$target/venv/bin/python" -m pip install --disable-pip-version-check --quiet \
            -e "$target/src"
    fi
    # Byte-compile as root: the service user cannot write __pycache__ below the source.
    "$target/venv/bin/python" -m compileall -q "$target/src/appliance" >/dev/null
    chmod -R u=rwX,go=rX "$target/venv"
    # The service user must be able to run the interpreter the venv points at.
    as_app_user "$target/venv/bin/python" -c "import appliance.cli" ||
        die "user $APP_USER cannot run $target/venv/bin/python (is $PYTHON under /root?);" \
            "use --python"
}

# The release `current` points at ("" when there is none, e.g. the layout before releases).
current_release() {
    if [[ -L "$CURRENT" ]]; then
        readlink "$CURRENT"
    fi
}

# An installation from before releases has real directories src and venv: move both into a
# release of their own. Reached through the symlinks the venv keeps working (its scripts name
# $VENV/bin/python, its editable install $DEST/appliance: both resolve into the release).
adopt_old_layout() {
    STEP="moving the installed version into $RELEASES"
    if [[ ! -d "$DEST" || -L "$DEST" ]]; then
        return
    fi
    local stamp
    stamp="legacy-$(date -u +%Y%m%dT%H%M%SZ)"
    install -d -m 0755 "$RELEASES/$stamp"
    # No signal between a move and its link: the old version must stay reachable.
    trap '' INT TERM HUP
    OLD_RELEASE="releases/$stamp"
    ln -sfn "$OLD_RELEASE" "$CURRENT"
    mv "$DEST" "$RELEASES/$stamp/src"
    ln -sfn current/src "$DEST"
    if [[ -d "$VENV" && ! -L "$VENV" ]]; then
        mv "$VENV" "$RELEASES/$stamp/venv"
    fi
    ln -sfn current/venv "$VENV"
    trap on_signal INT TERM HUP
    say "moved the installed version to $PREFIX/$OLD_RELEASE"
}

# Point `current` at a release in one rename; src and venv point through it.
switch_to() {
    local release="$1"
    ln -sfn "$release" "$PREFIX/.current.new"
    mv -T "$PREFIX/.current.new" "$CURRENT"
    local link
    for link in src venv; do
        if [[ -L "$PREFIX/$link" ]]; then
            [[ "$(readlink "$PREFIX/$link")" == "current/$link" ]] && continue
            rm -f "$PREFIX/$link"
        elif [[ -e "$PREFIX/$link" ]]; then
            # Left by an earlier install that failed before it had a config (no data in it).
            rm -rf "${PREFIX:?}/$link"
        fi
        ln -s "current/$link" "$PREFIX/$link"
    done
}

activate_new_release() {
    STEP="switching to the new release"
    switch_to "$NEW_RELEASE"
    SWITCHED=1
    say "$CURRENT -> $NEW_RELEASE"
}

# The release that last served after a finished install or upgrade: an upgrade that was cut off
# (power, SIGKILL) leaves `current` elsewhere, and the next run then refuses (see upgrade()).
mark_good() {
    current_release >"$PREFIX/last-good.new"
    mv -f "$PREFIX/last-good.new" "$LAST_GOOD"
}

last_good() {
    cat "$LAST_GOOD" 2>/dev/null || true
}

# Keep the release in use and, after an upgrade, the one before it (the last good one).
prune_releases() {
    STEP="removing old releases"
    local keep_current keep_old entry
    keep_current="$(basename "$(current_release)")"
    keep_old="$(basename "${OLD_RELEASE:-none}")"
    for entry in "$RELEASES"/*; do
        [[ -e "$entry" ]] || continue
        case "$(basename "$entry")" in
            "$keep_current" | "$keep_old" | "$(basename "$(last_good)")") ;;
            *)
                say "removing old release $entry"
                rm -rf "$entry"
                ;;
        esac
    done
    rm -f "$PREFIX/.current.new"
}

prune_upgrade_backups() {
    local old
    # Newest first by name (the names hold the UTC time); a manifest goes with its backup.
    while read -r old; do
        rm -f "$old" "${old%.backup}.manifest.json"
    done < <(find "$UPGRADE_BACKUPS" -maxdepth 1 -name '*.backup' 2>/dev/null | sort -r |
        tail -n +$((KEEP_UPGRADE_BACKUPS + 1)))
}

# Put the old version and its data back after a failed upgrade, then exit. Each part is tried
# even when an earlier one failed; what could not be done is said at the end.
rollback() {
    local status="${1:-1}" failed_step="$STEP" problems=() restored=1
    ROLLING_BACK=1
    # A second Ctrl+C must not stop the rollback half-way.
    trap '' INT TERM HUP
    trap - ERR
    set +e
    printf '\n==> upgrade failed while %s; rolling back to %s\n' "$failed_step" \
        "${OLD_RELEASE:-the installed version}" >&2
    if systemd_running && systemctl is-active --quiet "$UNIT_NAME"; then
        systemctl stop "$UNIT_NAME" || problems+=("stopping the new version")
    fi
    if ((SWITCHED)) && [[ -n "$OLD_RELEASE" ]]; then
        (switch_to "$OLD_RELEASE")
        if [[ "$(current_release)" != "$OLD_RELEASE" ]]; then
            problems+=("switching $CURRENT back to $OLD_RELEASE")
        fi
        (install_unit) || problems+=("reinstalling the old systemd unit")
    fi
    if ((DATA_TOUCHED)) && [[ -n "$BACKUP_FILE" ]]; then
        say "restoring $BACKUP_FILE with the old version's appliance restore"
        if ! appliance_cmd restore "$BACKUP_FILE" --key-file "$BACKUP_KEY"; then
            problems+=("restoring the backup $BACKUP_FILE")
            restored=0
        fi
    fi
    # Never start the old code on data the new version may have migrated.
    if systemd_running && ((restored)) && [[ "$(current_release)" == "${OLD_RELEASE:-}" ]]; then
        if ! systemctl start "$UNIT_NAME"; then
            problems+=("starting the old version")
        elif ! healthy; then
            problems+=("/healthz of the old version")
        fi
    fi
    if [[ -n "$NEW_RELEASE" && "$(current_release)" != "$NEW_RELEASE" ]]; then
        rm -rf "${PREFIX:?}/$NEW_RELEASE"
    fi
    cleanup
    if ((${#problems[@]})); then
        printf '\nerror: upgrade failed while %s, and the ROLLBACK IS INCOMPLETE: %s failed.\n' \
            "$failed_step" "$(IFS=,; printf '%s' "${problems[*]}")" >&2
        if [[ -n "$BACKUP_FILE" ]]; then
            printf 'The data before the upgrade is in %s (backup key %s):\n' "$BACKUP_FILE" \
                "$BACKUP_KEY" >&2
            printf '    systemctl stop appliance\n    %s\n' \
                "runuser -u $APP_USER -- $VENV/bin/appliance --config $CONFIG restore $BACKUP_FILE --key-file $BACKUP_KEY" >&2
        fi
        exit 2
    fi
    printf '\nerror: upgrade failed while %s (exit status %s).\n' "$failed_step" "$status" >&2
    printf 'Rolled back: %s serves again' "${OLD_RELEASE:-the old version}" >&2
    if ((DATA_TOUCHED)) && [[ -n "$BACKUP_FILE" ]]; then
        printf ' with its data restored from %s' "$BACKUP_FILE" >&2
    fi
    printf '.\nFix the cause and run the upgrade again.\n' >&2
    # 130 after Ctrl+C, as for any interrupted command; 1 after a failed step.
    exit $((status == 130 ? 130 : 1))
}
