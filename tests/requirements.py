"""Optional third-party parts a test needs (llama_cpp, vllm, ..., a sandbox level: tests/tools/conftest.py):
skipped where they are not installed, but a failure under CI (PLAYGROUND_TEST_REQUIRE_ALL=1, set by .ci/run), where
setup.sh installs them all, so a missing install step turns CI red instead of skipping."""

from __future__ import annotations

import importlib.util
import os
from typing import NoReturn

import pytest

REQUIRE_ALL = "PLAYGROUND_TEST_REQUIRE_ALL"


def unavailable(message: str, how: str = "CI installs it with setup.sh") -> NoReturn:
    """Skip the test for a missing part of the machine; fail it under REQUIRE_ALL=1, saying `how` CI gets it."""
    if os.environ.get(REQUIRE_ALL) == "1":
        pytest.fail(f"{message} ({how})")
    pytest.skip(message)


def require_module(name: str) -> None:
    if importlib.util.find_spec(name) is None:
        unavailable(f"{name} is not installed")
