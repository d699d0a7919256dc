"""The llamacpp backend: llama.cpp in-process (llama-cpp-python's low-level bindings).

The CPU default. It loads a GGUF file as it is (no dequantization, no Hugging
Face conversion) and decodes many sequences in one llama.cpp batch
(agent/models/llamacpp_decode.py): what was evaluated stays in the KV cache
after a call and the next request evaluates only the tokens past its longest
cached prefix (a chat's next turn, an agent's next step); requests of one call
that share a prefix (n samples, few-shot examples) evaluate it once; and many
requests decode together. `Completion.cached_tokens` says how many prompt
tokens were not evaluated. The cache is kept only with the unified KV cache
(engine_args kv_unified, the default). Prompts are rendered with the
chat template stored in the GGUF, exactly as transformers renders it
(agent/models/gguf_template.py), then `Request.prefill`; tokens are counted
with the model's own vocabulary, so budgets compare with the other backends.

completion_tokens counts generated tokens up to and including the end-of-turn
token or the token that completed a stop string, as in the other local
backends. Seeds: a request's seed, else the next draw of the model's own RNG
(seeded by `ModelConfig.seed`); sample i of a request uses a seed derived from
(seed, i), so requests with neighbouring seeds do not share samples.

Build: llama-cpp-python is built from source by setup.sh with GGML_NATIVE off,
the CPU's own AVX/AVX2/AVX-512 flags on and llama.cpp's AMX code off: the native
build crashes at the first decode on CPUs with AMX (inside the weight-repacking
buffers); tests/agent/models/test_llamacpp.py decodes with repacking on to catch it.
"""

from __future__ import annotations

import ctypes
import os
import random
from collections.abc import Generator
from dataclasses import replace

from agent.config import ModelConfig
from agent.errors import BackendUnavailableError, ModelError, UsageError
from agent.models.gguf_template import ChatTemplate
from agent.models.llamacpp_decode import BatchDecoder
from agent.models.llamacpp_jobs import Job
from agent.models.resolve import resolve_gguf
from agent.models.stop_strings import safe_stream_end
from agent.types import Completion, Message, Request, SamplingParams

INSTALL_HINT = ("llama-cpp-python is not installed: run `bash setup.sh` (it builds llama.cpp for this CPU, "
                "~7 minutes on 2 cores), or use --backend transformers")
ENGINE_KEYS = ("n_ctx", "n_seq_max", "n_batch", "n_threads", "n_gpu_layers", "use_extra_bufts", "kv_unified", "lookup")
DEFAULT_CELLS = 16384
DEFAULT_SEQ_MAX = 32


def import_llama_cpp():
    try:
        import llama_cpp
    except ImportError:
        raise BackendUnavailableError(INSTALL_HINT) from None
    _quiet(llama_cpp)
    return llama_cpp


_LOG_CALLBACK = None


def _quiet(llama_cpp) -> None:
    """llama.cpp logs every tensor at load; keep errors only (PLAYGROUND_LLAMACPP_VERBOSE=1 shows all)."""
    global _LOG_CALLBACK
    if _LOG_CALLBACK is not None or os.environ.get("PLAYGROUND_LLAMACPP_VERBOSE"):
        return

    @llama_cpp.llama_log_callback
    def callback(level, text, user_data):  # noqa: ARG001 - the C signature
        if level == 3:  # GGML_LOG_LEVEL_ERROR
            os.write(2, text)

    _LOG_CALLBACK = callback
    llama_cpp.llama_log_set(callback, ctypes.c_void_p(0))


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


class LlamaCppModel:
    backend = "llamacpp"

    def __init__(self, path: str, *, seed: int | None = 0, n_ctx: int = DEFAULT_CELLS,
                 n_seq_max: int = DEFAULT_SEQ_MAX, n_batch: int = 2048, n_threads: int | None = None,
                 n_gpu_layers: int = 0, use_extra_bufts: bool = True, kv_unified: bool = True,
                 lookup: int = 0, name: str | None = None) -> None:
        L = import_llama_cpp()
        from llama_cpp._internals import LlamaContext, LlamaModel

        if n_seq_max < 1 or n_ctx < 64 or n_batch < 1 or not 0 <= lookup < n_batch:
            raise UsageError("llamacpp: n_seq_max >= 1, n_ctx >= 64, n_batch >= 1 and 0 <= lookup < n_batch are required")
        self.L = L
        self.name = name or str(path)
        self.path = str(path)
        L.llama_backend_init()
        mp = L.llama_model_default_params()
        mp.n_gpu_layers = n_gpu_layers
        mp.use_extra_bufts = use_extra_bufts
        try:
            self._model = LlamaModel(path_model=self.path, params=mp, verbose=False)
        except ValueError as e:
            raise ModelError(f"llamacpp: cannot load {self.path}: {e}") from None
        threads = n_threads or _cores()
        cp = L.llama_context_default_params()
        cp.n_ctx, cp.n_batch, cp.n_ubatch = n_ctx, n_batch, min(512, n_batch)
        cp.n_seq_max, cp.kv_unified, cp.no_perf = n_seq_max, kv_unified, True
        cp.n_threads = cp.n_threads_batch = threads
        try:
            self._ctx = LlamaContext(model=self._model, params=cp, verbose=False)
        except ValueError as e:
            raise ModelError(f"llamacpp: cannot create a context of {n_ctx} cells: {e}") from None
        self.vocab = self._model.vocab
        self.n_vocab = L.llama_vocab_n_tokens(self.vocab)
        self.context_length = min(self._model.n_ctx_train(), L.llama_n_ctx(self._ctx.ctx))
        meta = self._model.metadata()
        self.template = ChatTemplate(meta.get("tokenizer.chat_template"), self._special_tokens())
        self.add_bos = bool(L.llama_vocab_get_add_bos(self.vocab))
        self.decoder = BatchDecoder(L, self._ctx.ctx, self.vocab, self.n_vocab, n_cells=L.llama_n_ctx(self._ctx.ctx),
                                    n_seq_max=n_seq_max, n_batch=n_batch, reuse=kv_unified,
                                    lookup=lookup)
        self._rng = random.Random(seed)

    @classmethod
    def from_config(cls, config: ModelConfig) -> LlamaCppModel:
        unknown = sorted(set(config.engine_args) - set(ENGINE_KEYS))
        if unknown:
            raise UsageError(f"unknown llamacpp engine_args {', '.join(unknown)} (known: {', '.join(ENGINE_KEYS)})")
        args = dict(config.engine_args)
        if config.max_model_len:
            args.setdefault("n_ctx", config.max_model_len)
        resolved = resolve_gguf(config.model)
        return cls(resolved.path, seed=config.seed, name=config.model, **args)

    # ------------------------------------------------------------------ prompts

    def _special_tokens(self) -> dict[str, str]:
        out = {}
        for key, tok in (("bos_token", self.L.llama_vocab_bos(self.vocab)),
                         ("eos_token", self.L.llama_vocab_eos(self.vocab))):
            if tok >= 0:
                out[key] = self._model.token_get_text(tok)
        return out

    def render(self, messages: list[Message], prefill: str = "") -> str:
        return self.template.render(messages) + prefill

    def encode(self, messages: list[Message], prefill: str = "") -> list[int]:
        return self._model.tokenize(self.render(messages, prefill).encode("utf-8"), self.add_bos, True)

    def count_tokens(self, messages: list[Message]) -> int:
        return len(self.encode(messages))

    # --------------------------------------------------------------- generation

    def _job(self, request: Request) -> Job:
        p = request.params
        ids = self.encode(request.messages, request.prefill)
        seed = p.seed if p.seed is not None else self._rng.getrandbits(32)
        seeds = tuple(random.Random(f"{seed}:{i}").getrandbits(32) for i in range(p.n))
        return Job(ids=ids, n=p.n, max_new=min(p.max_tokens, self.context_length - len(ids)),
                   temperature=p.temperature, top_p=p.top_p, stop=tuple(p.stop), seeds=seeds,
                   logprobs=p.logprobs)

    def generate(self, requests: list[Request]) -> list[list[Completion]]:
        jobs = [self._job(r) for r in requests]
        results: list[list[Completion | None]] = [[None] * job.n for job in jobs]
        runnable = [j for j, job in enumerate(jobs) if job.max_new > 0]
        for j, job in enumerate(jobs):
            if job.max_new <= 0:  # the prompt fills the context already
                results[j] = [Completion("", "length", len(job.ids), 0, cached_tokens=len(job.ids))] * job.n
        for seq in self.decoder.run([jobs[j] for j in runnable]):
            if seq.finish_reason is None:
                continue
            j = runnable[seq.job]
            results[j][seq.sample] = self._completion(jobs[j], seq)
        return [list(r) for r in results]  # type: ignore[arg-type]

    @staticmethod
    def _completion(job: Job, seq) -> Completion:
        return Completion(text=seq.final_text(), finish_reason=seq.finish_reason, prompt_tokens=len(job.ids),
                          completion_tokens=len(seq.tokens), logprobs=list(seq.logprobs) if job.logprobs else None,
                          cached_tokens=seq.cached)

    def stream(self, messages: list[Message], params: SamplingParams) -> Generator[str, None, Completion | None]:
        job = self._job(Request(messages, replace(params, n=1)))
        if job.max_new <= 0:
            return None
        shown = 0
        for seq in self.decoder.run([job]):
            if seq.finish_reason is not None:
                text = seq.final_text()
                if len(text) > shown:
                    yield text[shown:]
                return self._completion(job, seq)
            text = seq.data.decode("utf-8", errors="replace")
            end = safe_stream_end(text, job.stop)
            if end > shown:
                yield text[shown:end]
                shown = end

    def close(self) -> None:
        decoder = getattr(self, "decoder", None)
        if decoder is not None:
            decoder.close()
            self.decoder = None
        for attr in ("_ctx", "_model"):
            obj = getattr(self, attr, None)
            if obj is not None:
                obj.close()
                setattr(self, attr, None)
