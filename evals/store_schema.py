"""The results store's tables (evals/store.py), and what makes a store written by earlier code
current: a column added since is added to it, empty (NULL: not recorded then).

attempts.prompt_tokens_evaluated: of prompt_tokens, those the backend evaluated (the rest it read
from its KV cache); NULL where the backend did not say, and in stores written before it existed.
"""

from __future__ import annotations

import sqlite3

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    manifest TEXT NOT NULL,
    created REAL NOT NULL,
    status TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS attempts (
    run_id TEXT NOT NULL,
    sample_id TEXT NOT NULL,
    idx INTEGER NOT NULL,
    chain INTEGER NOT NULL,
    step INTEGER NOT NULL,
    prompt TEXT NOT NULL,
    completion TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    finish_reason TEXT,
    answer TEXT,
    score TEXT,
    explanation TEXT,
    duration REAL,
    extra TEXT,
    prompt_tokens_evaluated INTEGER,
    UNIQUE (run_id, sample_id, idx)
);
CREATE TABLE IF NOT EXISTS results (
    run_id TEXT NOT NULL,
    sample_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    strategy TEXT NOT NULL,
    budget INTEGER NOT NULL,
    answer TEXT,
    score TEXT,
    explanation TEXT,
    target TEXT,
    extra TEXT,
    UNIQUE (run_id, sample_id, strategy, budget)
);
CREATE TABLE IF NOT EXISTS errors (
    run_id TEXT NOT NULL,
    sample_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    reason TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    run_id TEXT NOT NULL,
    started REAL NOT NULL,
    updated REAL NOT NULL,
    samples INTEGER NOT NULL DEFAULT 0
);
"""

ADDED_COLUMNS = {"attempts": {"prompt_tokens_evaluated": "INTEGER"}}
"""Columns added after the first stores were written: (table -> column -> type), appended last."""


def prepare(conn: sqlite3.Connection) -> None:
    """Create the tables, or add to an older store the columns it lacks."""
    conn.executescript(SCHEMA)
    for table, columns in ADDED_COLUMNS.items():
        have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        for name, kind in columns.items():
            if name not in have:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
