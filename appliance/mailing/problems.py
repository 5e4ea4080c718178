"""Mail problems in the reader's language: a relay error (``transport.MailError``, or one kept
as a campaign's message) becomes a translated sentence; the system's or the relay's own words
stay as they are, as a technical detail."""

from __future__ import annotations

from flask_babel import gettext as _

from appliance.mailing import errors, transport


def explain(problem: transport.MailError | str) -> str:
    """A translated sentence for an error or a stored message (a msgid of ours is translated,
    the relay's own words are shown as they are)."""
    if isinstance(problem, transport.MailError):
        if not problem.reason:
            return str(problem)
        data = {"reason": problem.reason, "params": problem.params, "detail": problem.detail}
    else:
        if not problem:
            return ""
        data = errors.stored_problem(problem)
        if data is None:
            return _(problem)
    sentence = _(data["reason"], **data.get("params", {}))
    if data.get("detail"):
        return _(
            "%(problem)s Technical detail: %(detail)s", problem=sentence, detail=data["detail"]
        )
    return sentence
