"""Model backends. `load_model(config)` picks one by name; a backend module is imported
only when it is chosen (it wraps its engine: llama_cpp, torch and transformers, vllm, an
HTTP client), so `playground --help` and the scripted backend never import them.
`--backend auto` (the default) is decided by `pick_backend`."""

from __future__ import annotations

import importlib.util
import shutil

from agent.config import BACKENDS, ModelConfig
from agent.errors import UsageError
from agent.models.resolve import is_gguf_model
from agent.models.scripted import ScriptedModel
from agent.types import Model


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def pick_backend(model: str) -> str:
    """auto: vLLM on a CUDA machine where it is installed; llamacpp for a GGUF model
    (the offline default included) where llama-cpp-python is installed; transformers otherwise."""
    if _installed("vllm") and shutil.which("nvidia-smi") is not None:
        return "vllm"
    if is_gguf_model(model) and _installed("llama_cpp"):
        return "llamacpp"
    return "transformers"


def resolved_backend(config: ModelConfig) -> ModelConfig:
    """The config with `auto` replaced by the backend it stands for here."""
    if config.backend != "auto":
        return config
    return config.model_copy(update={"backend": pick_backend(config.model)})


def load_model(config: ModelConfig) -> Model:
    config = resolved_backend(config)
    if config.backend == "llamacpp":
        from agent.models.llamacpp import LlamaCppModel

        return LlamaCppModel.from_config(config)
    if config.backend == "transformers":
        from agent.models.transformers import TransformersModel

        return TransformersModel.from_config(config)
    if config.backend == "vllm":
        from agent.models.vllm import VLLMModel

        return VLLMModel.from_config(config)
    if config.backend == "openai":
        from agent.models.openai import OpenAIModel

        return OpenAIModel.from_config(config)
    if config.backend == "scripted":
        return ScriptedModel.from_config(config)
    raise UsageError(f"unknown backend '{config.backend}' (choose from {', '.join(BACKENDS)})")
