"""The one error the tool's commands raise for a problem the user can fix."""


class ToolError(Exception):
    """A refusal or failure the user can act on; the message says what and, where it can, how.
    The command line prints it as ``error: <message>`` and exits with status 1."""
