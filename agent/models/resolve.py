"""Model id or path -> weights on disk.

Two kinds of answer. `resolve_gguf` (llamacpp backend): a GGUF file used as it
is: a local file, an offline bundle by short name (agent/models/bundles.py) or a
hub file `owner/repo/file.gguf`. `resolve_model` (transformers, vllm): a Hugging
Face folder: a local path (HF folder, or a .gguf file converted once to a cached
HF folder), the Hugging Face cache or hub, or an offline bundle converted once.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from agent.config import DEFAULT_MODEL
from agent.errors import ModelNotFoundError
from agent.models.bundles import BUNDLES, Bundle, bundle_gguf, cache_dir, file_sha256, find_bundle, status


@dataclass(frozen=True)
class ResolvedModel:
    path: str
    """What to hand to from_pretrained / vllm.LLM: a local folder, or a hub id."""
    source: str
    """local | hf-cache | hub | offline-bundle | gguf"""
    model_id: str
    """The id the user asked for."""
    revision: str | None = None
    """Commit hash (hub) or sha256 of the GGUF file it came from."""


def resolve_model(model: str = DEFAULT_MODEL, *, allow_hub: bool | None = None) -> ResolvedModel:
    """Find weights for `model`; raise ModelNotFoundError (exit 2) with how to get them."""
    p = Path(model).expanduser()
    if p.exists():
        if p.is_file() and p.suffix == ".gguf":
            folder, sha = gguf_to_hf(p)
            return ResolvedModel(str(folder), "gguf", model, sha)
        if p.is_dir() and (p / "config.json").is_file():
            return ResolvedModel(str(p.resolve()), "local", model)
        ggufs = sorted(p.glob("*.gguf")) if p.is_dir() else []
        if len(ggufs) == 1:
            folder, sha = gguf_to_hf(ggufs[0])
            return ResolvedModel(str(folder), "gguf", model, sha)
        raise ModelNotFoundError(f"{model} is neither an HF model folder (config.json) nor a .gguf file")
    if model.startswith((".", "/", "~")) or model.endswith(".gguf"):
        raise ModelNotFoundError(f"model path not found: {model}")

    bundle = find_bundle(model)
    hf_id = bundle.hf_id if bundle else model
    cached = _hf_cache_snapshot(hf_id)
    if cached:
        return ResolvedModel(cached[0], "hf-cache", model, cached[1])
    if bundle is not None and bundle.installed():
        folder, sha = bundle_to_hf(bundle)
        return ResolvedModel(str(folder), "offline-bundle", model, sha)
    if allow_hub is None:
        allow_hub = os.environ.get("HF_HUB_OFFLINE", "0") in ("0", "", "false")
    if allow_hub:
        fetched = _hub_download(hf_id)
        if fetched:
            return ResolvedModel(fetched[0], "hub", model, fetched[1])
    hint = bundle.how_to_get if bundle else (
        "download it with `huggingface-cli download` on a machine with internet, "
        "or pass --model PATH to a local HF folder or .gguf file")
    raise ModelNotFoundError(f"model '{model}' not found locally or on the hub; {hint}")


def _hf_cache_snapshot(model: str) -> tuple[str, str | None] | None:
    try:
        from huggingface_hub import snapshot_download

        path = snapshot_download(model, local_files_only=True)
    except Exception:
        return None
    if not Path(path, "config.json").is_file():
        return None
    return path, Path(path).name


def _hub_download(model: str) -> tuple[str, str | None] | None:
    try:
        from huggingface_hub import snapshot_download

        path = snapshot_download(model, allow_patterns=["*.json", "*.safetensors", "*.txt", "*.model",
                                                        "*.tiktoken", "*.jinja"])
    except Exception:
        return None
    return path, Path(path).name


# ---------------------------------------------------------------- GGUF files

def is_gguf_model(model: str) -> bool:
    """Cheap test (no joining, hashing or download): does `model` name a GGUF file?
    A .gguf path, a folder holding exactly one, an offline bundle, or a hub file `owner/repo/file.gguf`."""
    if find_bundle(model) is not None:
        return True
    p = Path(model).expanduser()
    if p.is_file():
        return p.suffix == ".gguf"
    if p.is_dir():
        return not (p / "config.json").is_file() and len(list(p.glob("*.gguf"))) == 1
    return model.endswith(".gguf")


def resolve_gguf(model: str = DEFAULT_MODEL, *, allow_hub: bool | None = None) -> ResolvedModel:
    """A GGUF file for the llamacpp backend, used as it is (never converted)."""
    bundle = find_bundle(model)
    if bundle is not None:
        if bundle.installed() or (cache_dir() / "gguf" / bundle.gguf_name).is_file():
            return ResolvedModel(str(bundle_gguf(bundle)), "offline-bundle", model, bundle.sha256)
        raise ModelNotFoundError(f"the offline model '{bundle.name}' is not installed; {bundle.how_to_get}")
    p = Path(model).expanduser()
    if p.is_file() and p.suffix == ".gguf":
        return ResolvedModel(str(p.resolve()), "local", model)
    if p.is_dir():
        ggufs = sorted(p.glob("*.gguf"))
        if len(ggufs) == 1:
            return ResolvedModel(str(ggufs[0].resolve()), "local", model)
        raise ModelNotFoundError(f"{model}: the llamacpp backend needs a folder with exactly one .gguf file "
                                 f"(found {len(ggufs)}); pass the file itself")
    if p.exists():
        raise ModelNotFoundError(f"{model} is not a .gguf file; use --backend transformers for other formats")
    parts = model.split("/")
    if len(parts) >= 3 and model.endswith(".gguf") and not model.startswith((".", "/", "~")):
        if allow_hub is None:
            allow_hub = os.environ.get("HF_HUB_OFFLINE", "0") in ("0", "", "false")
        fetched = _hub_file("/".join(parts[:2]), "/".join(parts[2:]), allow_hub)
        if fetched:
            return ResolvedModel(fetched, "hub", model)
        raise ModelNotFoundError(f"'{model}' is not in the Hugging Face cache and could not be downloaded")
    raise ModelNotFoundError(
        f"'{model}' is not a GGUF model: the llamacpp backend takes a .gguf file, a folder with one, "
        f"a hub file owner/repo/file.gguf or an offline model ({', '.join(BUNDLES)}); "
        "use --backend transformers or vllm for Hugging Face folders")


def _hub_file(repo: str, filename: str, allow_hub: bool) -> str | None:
    try:
        from huggingface_hub import hf_hub_download

        return hf_hub_download(repo, filename, local_files_only=not allow_hub)
    except Exception:
        return None


def bundle_to_hf(bundle: Bundle) -> tuple[Path, str]:
    """An offline bundle as a cached HF folder (joined + verified + converted on first use)."""
    folder = cache_dir() / "models" / f"{Path(bundle.gguf_name).stem}-{bundle.sha256[:12]}"
    if not _complete(folder):
        _convert(bundle_gguf(bundle), folder, bundle.sha256)
    return folder, bundle.sha256


def gguf_to_hf(gguf: Path) -> tuple[Path, str]:
    """A local GGUF file as a cached HF folder, keyed by the file's sha256."""
    sha = file_sha256(gguf)
    folder = cache_dir() / "models" / f"{gguf.stem}-{sha[:12]}"
    if not _complete(folder):
        _convert(gguf, folder, sha)
    return folder, sha


def _complete(folder: Path) -> bool:
    return (folder / ".complete").is_file()


def _convert(gguf: Path, folder: Path, sha: str) -> None:
    """Dequantize a GGUF into a float HF folder (slow once: ~100 s for 0.5B on CPU)."""
    try:
        import gguf as _gguf  # noqa: F401
    except ImportError:
        raise ModelNotFoundError("loading .gguf files needs the `gguf` package: pip install gguf") from None
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    status(f"converting {gguf.name} to a Hugging Face folder once (minutes on a CPU); "
            f"cached in {folder}")
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
    # the weights are dequantized already; drop the GGUF marker so the folder saves as plain float
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.save_pretrained(tmp, safe_serialization=True)
    tok.save_pretrained(tmp)
    if model.generation_config is not None:
        model.generation_config.save_pretrained(tmp)
    (tmp / "source.json").write_text(json.dumps({"gguf": gguf.name, "sha256": sha}, indent=1))
    (tmp / ".complete").write_text("ok\n")
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(tmp, folder)
