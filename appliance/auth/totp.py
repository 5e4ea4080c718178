"""TOTP (RFC 6238) with single-use codes, and recovery codes.

A code is accepted for the current 30-second step or one step either side (clock drift). Each
account remembers the last step it accepted; a code for that step or an earlier one is refused, so
an observed code cannot be replayed. Recovery codes are 80-bit random values, stored as keyed hashes
and usable once.
"""

from __future__ import annotations

import base64
import os
import time

import pyotp
import segno

STEP_SECONDS = 30
DRIFT_STEPS = 1
RECOVERY_CODES = 10


def new_secret() -> str:
    return pyotp.random_base32(32)  # 160 bits, as RFC 4226 recommends


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """Return the time step ``code`` belongs to (within the drift window), or None."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = time.time() if now is None else now
    current = int(now // STEP_SECONDS)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if pyotp.utils.strings_equal(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def qr_data_uri(uri: str) -> str:
    """An SVG QR code as a data: URI, made locally (the CSP allows data: images only)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, dark="#111")


def new_recovery_codes() -> list[str]:
    """Ten codes like ``k3q7-x9mf-2hdp-4cva`` (80 bits each), shown to the user once."""
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = base64.b32encode(os.urandom(10)).decode().lower()
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    return codes


def normalise_recovery_code(text: str) -> str:
    """Lower case, separators ignored, regrouped as 4x4; longer input never matches a code."""
    compact = "".join(c for c in text.lower() if c.isalnum())
    if len(compact) != 16:
        return ""
    return "-".join(compact[i : i + 4] for i in range(0, 16, 4))
