"""Shared fixtures. Real parts: the Qwen2.5-Coder tokenizer (the 0.5B offline bundle,
converted once to a Hugging Face folder), a tiny random-weight Qwen2 built once per
session, the real sandbox."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

# The Ctrl-C tests need SIGINT delivered. A shell that starts pytest in the background without job
# control (`cmd &` in a script) leaves SIGINT ignored in it and in every process it starts, so Python's
# own handler (KeyboardInterrupt) is put back first; a process started from here gets SIGINT's default.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session")
def default_model_dir() -> Path:
    """Qwen2.5-Coder-0.5B-Instruct as a converted HF folder (joins + converts the offline bundle once).
    The same tokenizer and chat template as the default 1.5B model."""
    from agent.errors import ModelNotFoundError
    from agent.models.resolve import resolve_model
    from tests.requirements import require_module

    require_module("transformers")
    try:
        return Path(resolve_model("qwen2.5-coder-0.5b", allow_hub=False).path)
    except ModelNotFoundError as e:
        pytest.skip(f"the 0.5B offline model is unavailable: {e}")


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, default_model_dir) -> Path:
    """A tiny random-weight Qwen2 (2 layers, head size 64) with the real Qwen tokenizer."""
    from tests.tiny_model import build_tiny_qwen2

    return build_tiny_qwen2(tmp_path_factory.mktemp("tiny-qwen2"), default_model_dir)
