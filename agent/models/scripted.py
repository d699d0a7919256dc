"""A deterministic test double that satisfies the Model protocol.

Replies come from a script (YAML/JSON file or Python data) or a Python rule:

    # script.yaml
    rules:                      # first rule whose regex matches the last user message
      - match: "7\\s*\\*\\s*8"
        replies: ["7*8 = 56. The answer is 56."]
      - match: "capital"
        replies: ["Paris", {text: "Lyon", logprob: -2.5}]   # cycled, one per sample
    replies: ["first call", "second call"]   # else: consumed in order, the last one repeats
    default: "I don't know."                 # else this

A rule may also be a Python callable `rule(request, sample_index) -> str | dict`.
Tokens are counted as words and punctuation marks, so counts are exact and
predictable in tests. Stop strings and max_tokens are honoured like a real model.
Every request is kept in `calls` for assertions.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Callable, Generator
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from agent.config import ModelConfig
from agent.errors import UsageError
from agent.types import Completion, Message, Request, SamplingParams

_TOKEN = re.compile(r"\w+|[^\w\s]|\s+")

Rule = Callable[[Request, int], "str | dict"]


def count_text_tokens(text: str) -> int:
    return sum(1 for t in _TOKEN.findall(text) if not t.isspace())


class ScriptedModel:
    backend = "scripted"

    def __init__(self, script: dict | list | None = None, rule: Rule | None = None, name: str = "scripted",
                 context_length: int = 32768) -> None:
        if isinstance(script, list):
            script = {"replies": script}
        self.script: dict[str, Any] = script or {}
        unknown = set(self.script) - {"rules", "replies", "default"}
        if unknown:
            raise UsageError(f"scripted model: unknown script keys {sorted(unknown)}")
        self.rule = rule
        self.name = name
        self.context_length = context_length
        self.calls: list[Request] = []
        self._queue_pos = 0
        self._rule_pos: dict[int, int] = {}
        self._lock = threading.Lock()
        self._compiled = [(re.compile(r.get("match", ""), re.S), r) for r in self.script.get("rules", [])]

    @classmethod
    def from_config(cls, config: ModelConfig) -> ScriptedModel:
        path = Path(config.model)
        if not path.is_file():
            raise UsageError(f"scripted backend needs --model SCRIPT.yaml|json; not a file: {config.model}")
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as e:
            raise UsageError(f"scripted model script {path} is not valid YAML/JSON: {e}") from None
        if not isinstance(data, dict | list):
            raise UsageError(f"scripted model script {path} must be a mapping or a list of replies")
        return cls(data, name=str(path))

    # ------------------------------------------------------------------ protocol
    def generate(self, requests: list[Request]) -> list[list[Completion]]:
        out = []
        for req in requests:
            with self._lock:
                self.calls.append(req)
            prompt_tokens = self.count_tokens(req.messages) + count_text_tokens(req.prefill)
            out.append([self._complete(req, i, prompt_tokens) for i in range(req.params.n)])
        return out

    def stream(self, messages: list[Message], params: SamplingParams) -> Generator[str, None, Completion]:
        comp = self.generate([Request(messages, replace(params, n=1))])[0][0]
        yield from (m.group(0) for m in _TOKEN.finditer(comp.text))
        return comp

    def count_tokens(self, messages: list[Message]) -> int:
        # every message costs its words plus 3 template tokens, plus 3 for the generation prompt
        return sum(count_text_tokens(m.content) + 3 for m in messages) + 3

    def close(self) -> None:
        pass

    # ------------------------------------------------------------------ internals
    def _reply(self, req: Request, index: int) -> str | dict:
        if self.rule is not None:
            return self.rule(req, index)
        last_user = next((m.content for m in reversed(req.messages) if m.role == "user"), "")
        with self._lock:
            for i, (rx, rule) in enumerate(self._compiled):
                if rx.search(last_user):
                    replies = rule.get("replies") or [rule.get("reply", "")]
                    pos = self._rule_pos.get(i, 0)
                    self._rule_pos[i] = pos + 1
                    return replies[pos % len(replies)]
            queue = self.script.get("replies")
            if queue:
                reply = queue[min(self._queue_pos, len(queue) - 1)]
                self._queue_pos += 1
                return reply
        return self.script.get("default", "")

    def _complete(self, req: Request, index: int, prompt_tokens: int) -> Completion:
        reply = self._reply(req, index)
        logprob = None
        if isinstance(reply, dict):
            logprob = reply.get("logprob")
            reply = reply.get("text", "")
        text, finish = str(reply), "stop"
        for s in req.params.stop:
            cut = text.find(s)
            if cut != -1:
                text = text[:cut]
        pieces = _TOKEN.findall(text)
        kept, n_tok = [], 0
        for piece in pieces:
            if not piece.isspace():
                if n_tok == req.params.max_tokens:
                    finish = "length"
                    break
                n_tok += 1
            kept.append(piece)
        text = "".join(kept) if finish == "length" else text
        lps = None
        if req.params.logprobs:
            lps = [float(logprob if logprob is not None else -0.5)] * n_tok
        return Completion(text=text, finish_reason=finish, prompt_tokens=prompt_tokens,
                          completion_tokens=n_tok, logprobs=lps, cached_tokens=0)


def cycle_rule(texts: list[str]) -> Rule:
    """A rule giving texts[0], texts[1], ... across all calls and samples (for tests)."""
    it = itertools.cycle(texts)
    lock = threading.Lock()

    def rule(req: Request, index: int) -> str:
        with lock:
            return next(it)

    return rule
