"""Configuration: pydantic models built from a YAML/JSON file (`--config`) and
command-line options (which win). Unknown keys are rejected with a clear message."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.errors import UsageError
from agent.types import SamplingParams

DEFAULT_MODEL = "qwen2.5-coder-1.5b"
"""Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF, from the offline bundle (agent/models/bundles.py)."""
BACKENDS = ("auto", "llamacpp", "vllm", "transformers", "openai", "scripted")
Backend = Literal["auto", "llamacpp", "vllm", "transformers", "openai", "scripted"]
Dtype = Literal["auto", "float32", "bfloat16", "float16", "int8"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ModelConfig(_Strict):
    backend: Backend = "auto"
    """Which backend runs the model. auto: vllm on a CUDA machine where it is installed,
    llamacpp for GGUF models (the default one included), transformers otherwise."""
    model: str = DEFAULT_MODEL
    """Offline model short name, Hugging Face id, local HF folder, local .gguf file, hub file
    owner/repo/file.gguf, or (scripted) a script file."""
    base_url: list[str] = Field(default_factory=list)
    """OpenAI-compatible server URL(s) for the openai backend; a batch is spread over several."""
    api_key_env: str = "OPENAI_API_KEY"
    """Environment variable holding the API key for the openai backend."""
    dtype: Dtype = "auto"
    """Weights dtype. auto: bfloat16 on CUDA, float32 on CPU (see README for why not int8)."""
    device: str = "auto"
    """transformers backend: auto | cpu | cuda | cuda:N; auto uses device_map='auto' on multi-GPU."""
    seed: int | None = 0
    """Seed for sampling (engine-level for vllm)."""
    max_model_len: int | None = None
    """Context length cap (vllm engine, trimming in the REPL)."""
    request_timeout: float = 600.0
    """openai backend: seconds before a request is abandoned."""
    max_concurrency: int = 16
    """openai backend: requests in flight at once for this model (all batches and threads together)."""
    max_retries: int = 4
    """openai backend: retries with exponential backoff on connection errors and 5xx."""
    batch_size: int = 16
    """transformers backend: sequences decoded together (requests x n)."""
    engine_args: dict[str, Any] = Field(default_factory=dict)
    """Extra engine keyword arguments. vllm: vllm.LLM's (gpu_memory_utilization, tensor_parallel_size,
    enforce_eager, ...). llamacpp: n_ctx (KV-cache cells shared by all sequences), n_seq_max
    (sequences decoded together), n_batch, n_threads, n_gpu_layers, use_extra_bufts (weight repacking)."""


class SamplingConfig(_Strict):
    temperature: float = Field(0.0, ge=0, allow_inf_nan=False)
    """0 = greedy."""
    top_p: float = Field(1.0, gt=0, le=1, allow_inf_nan=False)
    max_tokens: int = Field(1024, ge=1)
    """Maximum generated tokens per completion."""

    def params(self, **overrides: Any) -> SamplingParams:
        """These settings as one request's SamplingParams; `overrides` set its other fields
        (or replace max_tokens, e.g. by what the context leaves)."""
        return SamplingParams(**{"temperature": self.temperature, "top_p": self.top_p,
                                 "max_tokens": self.max_tokens, **overrides})


class PlaygroundConfig(_Strict):
    model: ModelConfig = Field(default_factory=ModelConfig)
    sampling: SamplingConfig = Field(default_factory=SamplingConfig)


def load_config_file(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    if not p.is_file():
        raise UsageError(f"config file not found: {p}")
    text = p.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if p.suffix == ".json" else yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as e:
        raise UsageError(f"config file {p} is not valid YAML/JSON: {str(e).splitlines()[0]}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UsageError(f"config file {p} must hold a mapping at the top level")
    return data


def _deep_merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = v
    return out


def build_config(file_data: dict[str, Any] | None, overrides: dict[str, Any],
                 cls: type[BaseModel] = PlaygroundConfig) -> Any:
    """Validate `file_data` merged with `overrides` (nested dicts, None values dropped)."""
    data = _deep_merge(file_data or {}, _drop_none(overrides))
    try:
        return cls.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        if err["type"] == "extra_forbidden":
            raise UsageError(f"unknown config key '{where}'") from None
        raise UsageError(f"bad config value for '{where}': {err['msg']}") from None


def _drop_none(d: dict) -> dict:
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            v = _drop_none(v)
            if v:
                out[k] = v
        elif v is not None:
            out[k] = v
    return out
