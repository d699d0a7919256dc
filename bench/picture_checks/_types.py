"""What a picture check returns."""

from __future__ import annotations

from typing import NamedTuple


class Verdict(NamedTuple):
    """Whether the picture shows what the task asked for, and why (or what is wrong)."""

    ok: bool
    reason: str
