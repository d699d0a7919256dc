"""Shared fixtures. Real parts: the default model's tokenizer (offline bundle),
a tiny random-weight Qwen2 built once per session, the real sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def default_model_dir() -> Path:
    """The real default model as a converted HF folder (joins + converts the offline bundle once)."""
    from agent.errors import ModelNotFoundError
    from agent.models.resolve import resolve_model

    try:
        return Path(resolve_model(allow_hub=False).path)
    except ModelNotFoundError as e:
        pytest.skip(f"default model unavailable: {e}")


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, default_model_dir) -> Path:
    """A tiny random-weight Qwen2 (2 layers, head size 64) with the real Qwen tokenizer."""
    from tests.tiny_model import build_tiny_qwen2

    return build_tiny_qwen2(tmp_path_factory.mktemp("tiny-qwen2"), default_model_dir)
