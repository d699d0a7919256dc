"""Model backends. `load_model(config)` picks one by name; imports are lazy so
that `playground --help` and the scripted backend never import torch or vllm."""

from __future__ import annotations

from agent.config import ModelConfig
from agent.errors import UsageError
from agent.types import Model

BACKENDS = ("transformers", "vllm", "openai", "scripted")


def load_model(config: ModelConfig) -> Model:
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
        from agent.models.scripted import ScriptedModel

        return ScriptedModel.from_config(config)
    raise UsageError(f"unknown backend '{config.backend}' (choose from {', '.join(BACKENDS)})")
