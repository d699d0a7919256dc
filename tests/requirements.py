"""Optional third-party parts a test needs (llama_cpp, vllm, ...): skipped where they are not
installed, but a failure under CI (PLAYGROUND_TEST_REQUIRE_ALL=1, set by .ci/run), where
setup.sh installs them all, so a missing install step turns CI red instead of skipping."""

from __future__ import annotations

import importlib.util
import os

import pytest


def require_module(name: str) -> None:
    if importlib.util.find_spec(name) is not None:
        return
    message = f"{name} is not installed"
    if os.environ.get("PLAYGROUND_TEST_REQUIRE_ALL") == "1":
        pytest.fail(f"{message} (CI installs it with setup.sh)")
    pytest.skip(message)
