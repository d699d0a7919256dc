"""Test helper (not a test): a small OpenAI-compatible chat server on 127.0.0.1.

Either it answers itself (`reply(body) -> text`, optionally slow and one request
at a time, like a llama.cpp server on a CPU) or it relays every request to a
real server (`upstream`). `n_mode` says what it does with n != 1: "native"
(answers n choices), "ignore" (one choice, as llama-cpp-python's server and
Ollama do) or "reject" (HTTP 400, as llama.cpp's llama-server does). A prompt
longer than `max_words` is refused with HTTP 400 (a bad request, whatever n).
Every chat request body is kept in `bodies`, the statuses answered in
`statuses`, the most requests ever in flight at once in `max_in_flight`.
`owned_by="llamacpp"` answers /models as llama-server does and, like its one slot
with `cache_prompt`, reports in `timings` (prompt_n, cache_n) the leading messages
it had seen in the previous request as cached.

    with OpenAIStub(reply=lambda body: "The answer is 4.", delay_s=0.2, serial=True) as stub:
        OpenAIModel(stub.base_url) ...
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

REJECT_N = {"error": {"code": 400, "message": "Only one completion choice is allowed",
                      "type": "invalid_request_error"}}


class OpenAIStub:
    def __init__(self, reply: Callable[[dict], str] | None = None, *, upstream: str | None = None,
                 n_mode: str = "native", delay_s: float = 0.0, serial: bool = False,
                 model: str = "stub-model", max_words: int | None = None, port: int = 0,
                 owned_by: str | None = None) -> None:
        if (reply is None) == (upstream is None):
            raise ValueError("give reply or upstream")
        self.reply, self.upstream, self.n_mode = reply, upstream, n_mode
        self.delay_s, self.model, self.max_words, self.owned_by = delay_s, model, max_words, owned_by
        self._slot: list[dict] = []  # llama-server's slot: the messages of the last prompt
        self.bodies: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        self.in_flight = self.max_in_flight = 0
        self._serial = threading.Lock() if serial else None
        self._record = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> OpenAIStub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # ------------------------------------------------------------------ serving
    def models(self) -> tuple[int, dict]:
        if self.upstream:
            resp = httpx.get(self.upstream + "/models", timeout=30)
            return resp.status_code, resp.json()
        card = {"id": self.model, "object": "model", **({"owned_by": self.owned_by} if self.owned_by else {})}
        return 200, {"object": "list", "data": [card]}

    def chat(self, body: dict) -> tuple[int, dict]:
        with self._record:
            self.bodies.append(body)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return self._chat(body)
        finally:
            with self._record:
                self.in_flight -= 1

    def _chat(self, body: dict) -> tuple[int, dict]:
        n = int(body.get("n") or 1)
        prompt_tokens = sum(len(str(m.get("content", "")).split()) + 3 for m in body["messages"])
        if self.max_words is not None and prompt_tokens > self.max_words:
            return 400, {"error": {"code": 400, "message": "the prompt exceeds the context size",
                                   "type": "invalid_request_error"}}
        if n != 1 and self.n_mode == "reject":
            return 400, REJECT_N
        if self.upstream:
            resp = httpx.post(self.upstream + "/chat/completions", json=body, timeout=600)
            return resp.status_code, resp.json()
        with self._serial or nullcontext():
            time.sleep(self.delay_s)
            texts = [self.reply(body) for _ in range(n if self.n_mode == "native" else 1)]
        choices = [{"index": i, "message": {"role": "assistant", "content": t}, "finish_reason": "stop",
                    "logprobs": {"content": [{"token": w, "logprob": -0.5} for w in t.split()]}}
                   for i, t in enumerate(texts)]
        usage = {"prompt_tokens": prompt_tokens, "completion_tokens": sum(len(t.split()) for t in texts)}
        answer = {"id": "stub", "object": "chat.completion", "model": self.model, "choices": choices, "usage": usage}
        if self.owned_by == "llamacpp":
            answer["timings"] = self._timings(body, prompt_tokens)
        return 200, answer

    def _timings(self, body: dict, prompt_tokens: int) -> dict:
        """llama-server's: the leading messages the slot holds are cached when cache_prompt is on."""
        with self._record:
            same = 0
            if body.get("cache_prompt"):
                for seen, now in zip(self._slot, body["messages"], strict=False):
                    if seen != now:
                        break
                    same += len(str(now.get("content", "")).split()) + 3
            self._slot = list(body["messages"])
        return {"prompt_n": prompt_tokens - same, "cache_n": same, "predicted_n": 1}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                self._send(*(stub.models() if self.path.rstrip("/").endswith("/models") else (404, {})))

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                self._send(*(stub.chat(body) if self.path.endswith("/chat/completions") else (404, {})))

            def _send(self, status: int, payload: dict) -> None:
                with stub._record:
                    stub.statuses.append(status)
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client went away (killed)
                    pass

            def log_message(self, *args: object) -> None:
                pass

        return Handler


def _serve() -> None:
    """`python -m tests.agent.models.openai_stub PORT [DELAY_S [serial]]`: a stub in a process of its own,
    answering "The answer is <the sum of the numbers in the question>." (a replica to kill or stop)."""
    import re
    import sys

    def add(body: dict) -> str:
        text = str(body["messages"][-1].get("content", ""))
        return f"The answer is {sum(int(x) for x in re.findall(r'-?[0-9]+', text))}."

    stub = OpenAIStub(add, delay_s=float(sys.argv[2]) if len(sys.argv) > 2 else 0.0, port=int(sys.argv[1]),
                      serial=sys.argv[3:4] == ["serial"])
    print("serving", flush=True)
    stub._server.serve_forever()


if __name__ == "__main__":
    _serve()
