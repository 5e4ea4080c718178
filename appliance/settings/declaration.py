"""What a setting is, and the error a bad or unknown one raises."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class SettingsError(ValueError):
    """A setting is unknown or has a bad value; the message names the key."""


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str  # an English msgid marked with N_(), translated only where it is shown
    kind: type = str
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] | None = None
    check: Callable[[Any], str | None] | None = None
    editable: bool = False
    secret: bool = False  # never shown, only whether it is set
