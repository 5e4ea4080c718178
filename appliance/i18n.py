"""Translation helpers that do not need Flask.

``N_`` marks a message for extraction without translating it: store and CLI code raise English
msgids, and the web layer translates them with ``gettext`` when it shows them.
"""


def N_(message: str) -> str:  # noqa: N802 - the conventional name for a no-op gettext marker
    return message
