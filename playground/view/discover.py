"""Finding the runs the playground wrote under some folders: eval stores and compare studies
(`results.sqlite`, told apart by their run ids) and agent transcripts (`transcript.json`,
`*.transcript.json`). Nothing is opened for writing. A run's key (in its pages' addresses)
comes from its path, so it stays the same across reloads."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from evals.store import DB_NAME, ResultStore

SKIPPED = frozenset({"node_modules", "__pycache__", "site-packages"})
"""Folders never walked into (besides hidden ones, .venv and .git among them)."""
COMPARE_PREFIX = "compare-"


@dataclass(frozen=True)
class RunRef:
    kind: str
    """eval | compare | agent"""
    key: str
    path: Path
    """The store (eval, compare) or the transcript file (agent)."""
    label: str
    """Where it is, relative to the folder it was found under."""
    run_id: str | None = None
    """eval: the run in the store."""
    created: float = 0.0


def run_key(label: str, path: Path, run_id: str | None = None) -> str:
    digest = hashlib.sha1(f"{path.resolve()}|{run_id or ''}".encode()).hexdigest()[:8]
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", label).strip("-.")[-40:] or "run"
    return f"{slug}-{digest}"


def _store_runs(db: Path, label: str) -> list[RunRef]:
    try:
        with ResultStore.read_only(db) as store:
            runs = store.runs()
    except sqlite3.Error:
        return []
    if any(r["run_id"].startswith(COMPARE_PREFIX) for r in runs):
        created = min(r["created"] for r in runs)
        return [RunRef("compare", run_key(label, db), db, label, created=created)]
    many = len(runs) > 1
    return [RunRef("eval", run_key(label, db, r["run_id"]), db, f"{label} ({r['run_id']})" if many else label,
                   r["run_id"], r["created"]) for r in runs]


def _is_transcript(path: Path) -> bool:
    try:
        with open(path, encoding="utf-8") as f:
            head = f.read(200)
    except OSError:
        return False
    return '"kind": "agent_run"' in head or '"kind":"agent_run"' in head


def discover(roots: list[Path]) -> list[RunRef]:
    """Every run under `roots`, newest first."""
    found: dict[str, RunRef] = {}
    for root in roots:
        root = root.resolve()
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIPPED)
            here = Path(folder)
            label = str(here.relative_to(root)) if here != root else here.name
            if DB_NAME in files:
                for ref in _store_runs(here / DB_NAME, label):
                    found.setdefault(ref.key, ref)
            for name in files:
                if name == "transcript.json" or name.endswith(".transcript.json"):
                    path = here / name
                    if _is_transcript(path):
                        rel = str(path.relative_to(root))
                        ref = RunRef("agent", run_key(rel, path), path, rel, created=path.stat().st_mtime)
                        found.setdefault(ref.key, ref)
    return sorted(found.values(), key=lambda r: -r.created)


def read_transcript(path: Path) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)
