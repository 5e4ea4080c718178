"""Names of the licensable modules and of the licence states, in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

MODULE_LABELS = {
    "publication": _l("Publication of results"),
    "paper": _l("Paper forms"),
    "interviews": _l("Interviewer modes (telephone and face to face)"),
}

STATE_LABELS = {
    "trial": _l("Trial"),
    "trial_over": _l("Trial ended"),
    "licensed": _l("Licensed"),
    "grace": _l("Grace period"),
    "expired": _l("Expired"),
}
