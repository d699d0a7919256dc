"""The results store of an evaluation run: SQLite in WAL mode.

One row per (run, sample, attempt) with the prompt, completion, tokens, timing,
extracted answer and score; one result row per sample (the strategy's chosen
answer and score); errors apart with their reason. A sample's attempts and its
result are written in ONE transaction, so a sample is either fully stored or not
at all: a sample is "done" exactly when its result row exists.

Durability: WAL with synchronous=NORMAL. A committed transaction is in the WAL
file before COMMIT returns, so killing the process (SIGKILL) never loses it; only
an OS crash or power cut can lose the last few commits (the database stays
consistent, and `--resume` regenerates those samples). FULL would fsync on every
commit for a guarantee the requirement (kill -9 loses at most the generations in
flight) does not need.
"""

from __future__ import annotations

import errno
import json
import sqlite3
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.scaling import Attempt, StrategyResult
from agent.types import Score
from evals.store_schema import prepare

DB_NAME = "results.sqlite"


def disk_full(e: BaseException) -> bool:
    """Whether an error means the filesystem being written is full (SQLITE_FULL, ENOSPC, a quota)."""
    if isinstance(e, sqlite3.Error):
        return getattr(e, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "disk is full" in str(e)
    return isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT)

@dataclass
class StoredResult:
    sample_id: str
    position: int
    strategy: str
    budget: int
    answer: str | None
    score: str | None
    explanation: str
    target: str | None
    extra: dict[str, Any]


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)


class ResultStore:
    """One SQLite file (`DIR/results.sqlite`). Used from one thread."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(str(self.path), timeout=30.0, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        prepare(self.conn)
        self._session: int | None = None

    @classmethod
    def in_dir(cls, out_dir: str | Path) -> ResultStore:
        return cls(Path(out_dir) / DB_NAME)

    @classmethod
    def read_only(cls, path: str | Path) -> ResultStore:
        """An existing store opened for reading only (`playground view`): nothing is created or
        written, not even the WAL side files when no writer has them open (then the file is read
        as it is); a store being written is read through its WAL, as any reader would."""
        store = cls.__new__(cls)
        store.path = Path(path)
        quiet = "" if Path(f"{store.path}-wal").exists() else "&immutable=1"
        store.conn = sqlite3.connect(f"{store.path.resolve().as_uri()}?mode=ro{quiet}", uri=True, timeout=30.0)
        store.conn.row_factory = sqlite3.Row
        store._session = None
        return store

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ runs
    def create_run(self, manifest: dict[str, Any], run_id: str | None = None) -> str:
        run_id = run_id or time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]
        self.conn.execute("INSERT INTO runs VALUES (?, ?, ?, ?)", (run_id, _dumps(manifest), time.time(), "running"))
        return run_id

    def runs(self) -> list[dict[str, Any]]:
        rows = self.conn.execute("SELECT * FROM runs ORDER BY created").fetchall()
        return [{"run_id": r["run_id"], "manifest": json.loads(r["manifest"]), "created": r["created"],
                 "status": r["status"]} for r in rows]

    def manifest(self, run_id: str) -> dict[str, Any]:
        row = self.conn.execute("SELECT manifest FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        if row is None:
            raise KeyError(run_id)
        return json.loads(row["manifest"])

    def update_manifest(self, run_id: str, manifest: dict[str, Any]) -> None:
        self.conn.execute("UPDATE runs SET manifest = ? WHERE run_id = ?", (_dumps(manifest), run_id))

    def set_status(self, run_id: str, status: str) -> None:
        self.conn.execute("UPDATE runs SET status = ? WHERE run_id = ?", (status, run_id))

    def status(self, run_id: str) -> str:
        return self.conn.execute("SELECT status FROM runs WHERE run_id = ?", (run_id,)).fetchone()["status"]

    # ------------------------------------------------------------------ sessions (wall time across resumes)
    def start_session(self, run_id: str) -> None:
        now = time.time()
        cur = self.conn.execute("INSERT INTO sessions VALUES (?, ?, ?, 0)", (run_id, now, now))
        self._session = cur.lastrowid

    def touch_session(self, samples: int = 0) -> None:
        if self._session is not None:
            self.conn.execute("UPDATE sessions SET updated = ?, samples = samples + ? WHERE rowid = ?",
                              (time.time(), samples, self._session))

    def wall_time(self, run_id: str) -> float:
        row = self.conn.execute("SELECT SUM(updated - started) AS t FROM sessions WHERE run_id = ?",
                                (run_id,)).fetchone()
        return float(row["t"] or 0.0)

    def prompt_tokens(self, run_ids: list[str]) -> tuple[int, int | None]:
        """Prompt tokens the attempts of these runs sent, and of those evaluated (None unless every
        attempt recorded it: a store written before the count existed, or a backend that did not say)."""
        marks = ", ".join("?" * len(run_ids))
        row = self.conn.execute(
            f"SELECT SUM(prompt_tokens), SUM(prompt_tokens_evaluated), COUNT(*) - COUNT(prompt_tokens_evaluated) "
            f"FROM attempts WHERE run_id IN ({marks})", run_ids).fetchone()
        return int(row[0] or 0), None if row[2] else int(row[1] or 0)

    def session_count(self, run_id: str) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM sessions WHERE run_id = ?", (run_id,)).fetchone()[0]

    # ------------------------------------------------------------------ samples
    def done_ids(self, run_id: str) -> set[str]:
        rows = self.conn.execute("SELECT DISTINCT sample_id FROM results WHERE run_id = ?", (run_id,))
        return {r[0] for r in rows}

    def write_result(self, run_id: str, result: StrategyResult, *, position: int = 0,
                     target: str | None = None) -> None:
        """Store a sample's attempts and result atomically (and clear earlier errors of that sample)."""
        score = result.score or Score("no_answer")
        with self._transaction():
            for a in result.attempts:
                self.conn.execute(
                    "INSERT INTO attempts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    _attempt_row(run_id, result.sample_id, a))
            self.conn.execute(
                "INSERT INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, result.sample_id, position, result.strategy, result.budget, result.answer,
                 score.value, score.explanation, target, _dumps(result.extra_record())))
            self.conn.execute("DELETE FROM errors WHERE run_id = ? AND sample_id = ?", (run_id, result.sample_id))

    def rescore_attempt(self, run_id: str, sample_id: str, idx: int, answer: str | None, score: Score) -> None:
        """Replace one stored attempt's extracted answer and score (a regrade; the text stays)."""
        with self._transaction():
            self.conn.execute("UPDATE attempts SET answer = ?, score = ?, explanation = ? "
                              "WHERE run_id = ? AND sample_id = ? AND idx = ?",
                              (answer, score.value, score.explanation, run_id, sample_id, idx))

    def write_error(self, run_id: str, sample_id: str, reason: str, *, position: int = 0) -> None:
        with self._transaction():
            self.conn.execute("DELETE FROM errors WHERE run_id = ? AND sample_id = ?", (run_id, sample_id))
            self.conn.execute("INSERT INTO errors VALUES (?, ?, ?, ?, ?)",
                              (run_id, sample_id, position, reason, time.time()))

    def results(self, run_id: str) -> list[StoredResult]:
        rows = self.conn.execute("SELECT * FROM results WHERE run_id = ? ORDER BY position, sample_id", (run_id,))
        return [StoredResult(r["sample_id"], r["position"], r["strategy"], r["budget"], r["answer"], r["score"],
                             r["explanation"] or "", r["target"], json.loads(r["extra"] or "{}")) for r in rows]

    def attempts(self, run_id: str, sample_id: str | None = None) -> list[dict[str, Any]]:
        q, args = "SELECT * FROM attempts WHERE run_id = ?", [run_id]
        if sample_id is not None:
            q, args = q + " AND sample_id = ?", [*args, sample_id]
        rows = self.conn.execute(q + " ORDER BY sample_id, idx", args).fetchall()
        out = []
        for r in rows:
            d = dict(r)
            d["prompt"] = json.loads(d["prompt"])
            d["extra"] = json.loads(d["extra"] or "{}")
            out.append(d)
        return out

    def attempt_totals(self, run_id: str) -> dict[str, dict[str, float]]:
        """Per sample: its attempts, prompt and completion tokens and seconds, summed (no texts read)."""
        rows = self.conn.execute(
            "SELECT sample_id, COUNT(*) AS attempts, SUM(prompt_tokens) AS prompt_tokens, "
            "SUM(completion_tokens) AS completion_tokens, SUM(COALESCE(duration, 0)) AS seconds "
            "FROM attempts WHERE run_id = ? GROUP BY sample_id", (run_id,))
        return {r["sample_id"]: {k: r[k] for k in ("attempts", "prompt_tokens", "completion_tokens", "seconds")}
                for r in rows}

    def load_attempts(self, run_id: str, sample_id: str) -> list[Attempt]:
        """The stored attempts of one sample, as Attempts again (the inverse of `_attempt_row`)."""
        return [attempt_from_row(r) for r in self.attempts(run_id, sample_id)]

    def errors(self, run_id: str) -> list[dict[str, Any]]:
        rows = self.conn.execute("SELECT sample_id, position, reason FROM errors WHERE run_id = ? ORDER BY position",
                                 (run_id,))
        return [dict(r) for r in rows]

    # ------------------------------------------------------------------ internals
    def _transaction(self):
        return _Transaction(self.conn)


class _Transaction:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, exc, tb) -> None:
        self.conn.execute("COMMIT" if exc_type is None else "ROLLBACK")


def _attempt_row(run_id: str, sample_id: str, a: Attempt) -> tuple:
    score = a.score
    prompt = {"messages": a.messages, **({"prefill": a.prefill} if a.prefill is not None else {})}
    return (run_id, sample_id, a.index, a.chain, a.step, _dumps(prompt), a.text, a.prompt_tokens,
            a.completion_tokens, a.finish_reason, a.answer, score.value if score else None,
            score.explanation if score else None, a.duration_s, _dumps(a.extra_record(stored=True)),
            a.prompt_tokens_evaluated)


def attempt_from_row(row: dict[str, Any]) -> Attempt:
    """A stored attempt row (`ResultStore.attempts`) as an Attempt again (the inverse of `_attempt_row`):
    its `extra` record read by `Attempt.from_record`, the prefill from its prompt."""
    score = Score(row["score"], row["answer"], row["explanation"] or "") if row["score"] else None
    return Attempt.from_record(row["extra"], prefill=row["prompt"].get("prefill"), index=row["idx"],
                               chain=row["chain"], step=row["step"], text=row["completion"],
                               answer=row["answer"], prompt_tokens=row["prompt_tokens"],
                               completion_tokens=row["completion_tokens"],
                               prompt_tokens_evaluated=row.get("prompt_tokens_evaluated"),
                               finish_reason=row["finish_reason"] or "stop", score=score,
                               messages=row["prompt"].get("messages", []), duration_s=row["duration"] or 0.0)
