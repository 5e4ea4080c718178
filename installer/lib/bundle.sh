# Sourced by installer/install.sh: checking a signed offline bundle before anything on the
# system changes. The detached signature covers "appliance-bundle/1\n<sha256 of the archive>\n"
# (Ed25519, checked with openssl against the trust anchor); SHA256SUMS inside covers every file.
# shellcheck shell=bash disable=SC2034  # its globals are install.sh's (STEP, SRC, ...)

# The public key bundles are checked against: --vendor-key when given (received from the
# vendor apart from the bundle). Upgrade: the key of the INSTALLED version, so a bundle cannot
# bring its own; an installation older than signed bundles has none, and then only --vendor-key
# will do. First install: the key in the source tree this script sits in (compare its
# fingerprint with the vendor's, or check the bundle by hand first: docs/operations.md).
trust_anchor() {
    if [[ -n "$VENDOR_KEY" ]]; then
        printf '%s\n' "$VENDOR_KEY"
    elif ((EXISTING)); then
        [[ -f "$DEST/$KEY_IN_TREE" ]] ||
            die "the installed version predates signed bundles (no $DEST/$KEY_IN_TREE): pass" \
                "the vendor's public key, received apart from the bundle, with --vendor-key FILE"
        printf '%s\n' "$DEST/$KEY_IN_TREE"
    else
        printf '%s\n' "$SCRIPT_SRC/$KEY_IN_TREE"
    fi
}

# The SHA-256 of the key's DER form in groups of four, as the vendor's tool prints it.
fingerprint_of() {
    openssl pkey -pubin -in "$1" -outform DER 2>/dev/null | sha256sum | cut -d' ' -f1 |
        sed 's/..../& /g; s/ $//'
}

verify_bundle() {
    STEP="verifying the bundle"
    local sig="$BUNDLE.sig" key fingerprint top count
    [[ -f "$BUNDLE" ]] || die "bundle $BUNDLE does not exist"
    [[ -f "$sig" ]] ||
        die "missing signature $sig: a bundle is only installed with its detached signature" \
            "beside it (FILE.tar.gz.sig)"
    command -v openssl >/dev/null 2>&1 || die "openssl is required to verify the bundle"
    key="$(trust_anchor)"
    [[ -f "$key" ]] || die "no vendor key at $key to verify the bundle against"
    fingerprint="$(fingerprint_of "$key")"
    say "vendor key $key"
    say "  SHA-256 fingerprint $fingerprint (compare it with the vendor's published one)"
    WORK="$(mktemp -d "${TMPDIR:-/tmp}/appliance-bundle.XXXXXX")"
    chmod 0700 "$WORK"
    # Verify and unpack the same bytes: a private copy cannot change in between.
    cp "$BUNDLE" "$WORK/bundle.tar.gz"
    [[ "$(wc -l <"$sig")" -eq 1 ]] && base64 -d <"$sig" >"$WORK/sig.bin" 2>/dev/null &&
        [[ "$(stat -c %s "$WORK/sig.bin")" -eq 64 ]] ||
        die "bad signature file $sig: not one line of base64 holding an Ed25519 signature"
    printf '%s\n%s\n' "$BUNDLE_FORMAT" "$(sha256sum <"$WORK/bundle.tar.gz" | cut -d' ' -f1)" \
        >"$WORK/message"
    if ! openssl pkeyutl -verify -pubin -inkey "$key" -rawin -in "$WORK/message" \
        -sigfile "$WORK/sig.bin" >/dev/null 2>&1; then
        die "bad signature: $BUNDLE is not signed by the vendor key $key (fingerprint" \
            "$fingerprint), or it was changed after signing; nothing was installed"
    fi
    say "signature ok"
    STEP="unpacking and checking the bundle"
    mkdir "$WORK/x"
    tar -xzf "$WORK/bundle.tar.gz" -C "$WORK/x" --no-same-owner --no-same-permissions ||
        die "cannot unpack $BUNDLE"
    rm -f "$WORK/bundle.tar.gz"
    # Plain files and directories only: no link may point out of the unpacked tree.
    if [[ -n "$(find "$WORK/x" ! -type f ! -type d -print -quit)" ]]; then
        die "$BUNDLE holds links or special files; an appliance bundle holds none"
    fi
    top="$(find "$WORK/x" -mindepth 2 -maxdepth 2 -name BUNDLE.json -printf '%h\n')"
    [[ -n "$top" && "$(printf '%s\n' "$top" | wc -l)" -eq 1 && -f "$top/SHA256SUMS" ]] ||
        die "$BUNDLE is not an appliance bundle (no single directory with BUNDLE.json, SHA256SUMS)"
    (cd "$top" && sha256sum --quiet --strict -c SHA256SUMS >"$WORK/sums.log" 2>&1) ||
        die "checksum mismatch in $BUNDLE: $(grep -m3 -v ': OK$' "$WORK/sums.log" | tr '\n' ' ')"
    # Every file is listed: nothing rides along unchecked.
    if ! diff <(cd "$top" && find . -type f ! -path ./SHA256SUMS | sed 's|^\./||' | LC_ALL=C sort) \
        <(cut -c67- "$top/SHA256SUMS" | LC_ALL=C sort) >/dev/null; then
        die "checksum mismatch in $BUNDLE: files without a checksum, or checksums without a file"
    fi
    count="$(wc -l <"$top/SHA256SUMS")"
    say "checksums ok ($count files)"
    local info pythons
    info="$("$PYTHON" -c 'import json, sys
b = json.load(open(sys.argv[1]))
print(b["format"], b["version"], ",".join(b["pythons"]))' "$top/BUNDLE.json")" ||
        die "$BUNDLE has an unreadable BUNDLE.json"
    read -r format VERSION pythons <<<"$info"
    [[ "$format" == "$BUNDLE_FORMAT" ]] || die "$BUNDLE has format $format, not $BUNDLE_FORMAT"
    if [[ ",$pythons," != *",$(python_version "$PYTHON"),"* ]]; then
        die "wrong Python version: $BUNDLE holds wheels for Python ${pythons//,/ and } only, but" \
            "$PYTHON is Python $(python_version "$PYTHON"); use the bundle for this system" \
            "(Debian 12: 3.11, Ubuntu 24.04: 3.12) or --python"
    fi
    SRC="$top/src"
    WHEELS="$top/wheels"
    say "bundle: appliance $VERSION for Python ${pythons//,/, }"
}
