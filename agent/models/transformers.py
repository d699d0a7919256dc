"""The embedded default backend: Hugging Face transformers, in-process.

Requests are rendered with the tokenizer's chat template (plus `Request.prefill`,
which the model continues), sorted by length and packed into chunks of at most
`batch_size` sequences (requests x n). Each chunk is decoded by our own loop
(agent/models/transformers_decode.py): the prompt is run once, its KV cache is
repeated for the n samples, and decoding stops per sequence at EOS, a stop
string or max_tokens. A request with n > batch_size is split over chunks (its
prompt then runs once per chunk). A call of one prompt (a chat turn, an agent
step) starts from the KV cache the last call of one prompt and one sample left
and evaluates only the tokens past their common prefix
(agent/models/transformers_prefix.py); `Completion.cached_tokens` says how many.

Sampling: temperature 0 is greedy; otherwise temperature then top-p, drawn from
one torch.Generator per request, seeded by `params.seed` or, when it is None,
by the next draw of the model's own seeded generator (a fresh model with the
same seed reproduces a whole run; successive calls still differ).
Logprobs are raw-model log-probabilities (log-softmax of the unprocessed
logits), one per completion token, as vLLM returns by default.
completion_tokens counts generated tokens up to and including the EOS token or
the token that completed a stop string.

dtype auto: bfloat16 on CUDA, float32 on CPU. int8 (CPU) is dynamic
quantization of the Linear layers; bench/README.md (## Backends) explains why
it is not the CPU default.
"""

from __future__ import annotations

import os
import random
import warnings
from collections import deque
from collections.abc import Generator

from agent.config import ModelConfig
from agent.errors import ModelNotFoundError, UsageError
from agent.models.chat_template import HFPrompts
from agent.models.resolve import resolve_model
from agent.models.stop_strings import safe_stream_end
from agent.models.transformers_prefix import KeptPrefix
from agent.types import Completion, Message, Request, SamplingParams

DTYPES = ("auto", "float32", "bfloat16", "float16", "int8")


class TransformersModel(HFPrompts):
    backend = "transformers"

    def __init__(self, path: str, dtype: str = "auto", device: str = "auto", seed: int | None = 0,
                 batch_size: int = 16, name: str | None = None) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as transformers_logging

        from agent.models.transformers_decode import DecodeStats

        if dtype not in DTYPES:
            raise UsageError(f"unknown dtype '{dtype}' (choose from {', '.join(DTYPES)})")
        if batch_size < 1:
            raise UsageError(f"batch_size must be >= 1, got {batch_size}")
        self.name = name or str(path)
        self.path = str(path)
        self.batch_size = batch_size
        self.stats = DecodeStats()
        self.kept = KeptPrefix()  # the KV cache of the last one-prompt call (agent/models/transformers_prefix.py)
        cuda = torch.cuda.is_available() and device != "cpu"
        if device.startswith("cuda") and not torch.cuda.is_available():
            raise UsageError(f"device '{device}' requested but CUDA is not available")
        if dtype == "int8" and cuda:
            raise UsageError("dtype int8 is CPU-only (dynamic quantization); use bfloat16 on CUDA")
        self.dtype = dtype if dtype != "auto" else ("bfloat16" if cuda else "float32")
        load_dtype = torch.float32 if self.dtype == "int8" else getattr(torch, self.dtype)
        if not cuda:
            torch.set_num_threads(os.cpu_count() or 1)
        device_map = None
        if cuda:
            device_map = "auto" if device == "auto" and torch.cuda.device_count() > 1 else (
                "cuda" if device == "auto" else device)
        transformers_logging.disable_progress_bar()
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(self.path)
            model = AutoModelForCausalLM.from_pretrained(self.path, dtype=load_dtype, device_map=device_map)
        except (OSError, ValueError) as e:
            raise ModelNotFoundError(f"cannot load model from {self.path}: {str(e).splitlines()[0]}") from None
        model.eval()
        if self.dtype == "int8":
            with warnings.catch_warnings():  # torch.ao.quantization is deprecated but still the CPU route
                warnings.simplefilter("ignore")
                model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
        self.model = model
        self.eos_ids = _eos_ids(model, self.tokenizer)
        pad = self.tokenizer.pad_token_id
        self.pad_id = pad if pad is not None else min(self.eos_ids)
        self.context_length = _context_length(model.config, self.tokenizer)
        self._rng = random.Random(seed if seed is not None else int.from_bytes(os.urandom(8), "little"))

    @classmethod
    def from_config(cls, config: ModelConfig) -> TransformersModel:
        resolved = resolve_model(config.model)
        return cls(resolved.path, dtype=config.dtype, device=config.device, seed=config.seed,
                   batch_size=config.batch_size, name=config.model)

    # --------------------------------------------------------------- generation

    def generate(self, requests: list[Request]) -> list[list[Completion]]:
        from agent.models.transformers_decode import decode

        specs = [self._spec(r) for r in requests]
        results: list[list[Completion]] = [[] for _ in requests]
        order = sorted(range(len(requests)), key=lambda i: -len(specs[i].ids))
        for chunk in plan_chunks([(i, requests[i].params.n) for i in order], self.batch_size):
            live = [(i, c) for i, c in chunk if specs[i].max_new_tokens > 0]
            for i, c in chunk:
                if specs[i].max_new_tokens <= 0:  # the prompt fills the context already
                    results[i] += [Completion("", "length", len(specs[i].ids), 0)] * c
            if not live:
                continue
            steps = decode(self.model, self.tokenizer, [specs[i] for i, _ in live], [c for _, c in live],
                           self.eos_ids, self.pad_id, self.stats, self.kept)
            seqs = deque(steps, maxlen=1)[0]  # run to the end, keep the final state
            for s in seqs:
                results[live[s.prompt][0]].append(self._completion(s, specs[live[s.prompt][0]]))
        return results

    def stream(self, messages: list[Message], params: SamplingParams) -> Generator[str, None, Completion | None]:
        from agent.models.transformers_decode import decode

        spec = self._spec(Request(messages, params))
        if spec.max_new_tokens <= 0:
            return None
        shown = 0
        for (seq,) in decode(self.model, self.tokenizer, [spec], [1], self.eos_ids, self.pad_id, self.stats,
                             self.kept):
            if seq.done:
                done = self._completion(seq, spec)
                if len(done.text) > shown:
                    yield done.text[shown:]
                return done
            text = self.tokenizer.decode(seq.tokens, skip_special_tokens=True)
            end = safe_stream_end(text, params.stop)
            if end > shown:
                yield text[shown:end]
                shown = end

    def close(self) -> None:
        self.kept.clear()
        self.model = None
        import gc

        gc.collect()

    # ----------------------------------------------------------------- internal

    def _spec(self, request: Request):
        import torch

        from agent.models.transformers_decode import PromptSpec

        p = request.params
        ids = self.encode(request.messages, request.prefill)
        seed = p.seed if p.seed is not None else self._rng.getrandbits(63)
        generator = None
        if not p.greedy:
            generator = torch.Generator(device=self.model.device).manual_seed(seed)
        return PromptSpec(ids=ids, temperature=p.temperature, top_p=p.top_p,
                          max_new_tokens=min(p.max_tokens, self.context_length - len(ids)),
                          stop=tuple(p.stop), generator=generator, logprobs=p.logprobs)

    def _completion(self, seq, spec) -> Completion:
        from agent.models.transformers_decode import final_text

        return Completion(text=final_text(seq, self.tokenizer, self.eos_ids), finish_reason=seq.finish_reason,
                          prompt_tokens=len(spec.ids), completion_tokens=len(seq.tokens),
                          logprobs=list(seq.logprobs) if spec.logprobs else None, cached_tokens=seq.cached)


def plan_chunks(work: list[tuple[int, int]], batch_size: int) -> list[list[tuple[int, int]]]:
    """Pack (request, n) into chunks of at most `batch_size` sequences. A request with
    n <= batch_size stays in one chunk; a larger n is split into full chunks."""
    chunks: list[list[tuple[int, int]]] = []
    cur: list[tuple[int, int]] = []
    used = 0
    for i, n in work:
        if n <= batch_size and used + n > batch_size:
            chunks.append(cur)
            cur, used = [], 0
        while n > 0:
            take = min(n, batch_size - used)
            cur.append((i, take))
            used, n = used + take, n - take
            if used == batch_size:
                chunks.append(cur)
                cur, used = [], 0
    if cur:
        chunks.append(cur)
    return [c for c in chunks if c]


def _eos_ids(model, tokenizer) -> set[int]:
    ids: set[int] = set()
    for source in (getattr(model, "generation_config", None), model.config):
        eos = getattr(source, "eos_token_id", None) if source is not None else None
        if eos is not None:
            ids.update(eos if isinstance(eos, list | tuple) else [eos])
    if tokenizer.eos_token_id is not None:
        ids.add(tokenizer.eos_token_id)
    im_end = tokenizer.convert_tokens_to_ids("<|im_end|>")
    if isinstance(im_end, int) and im_end != tokenizer.unk_token_id:
        ids.add(im_end)
    return ids


def _context_length(config, tokenizer) -> int:
    n = getattr(config, "max_position_embeddings", None)
    if isinstance(n, int) and n > 0:
        return n
    n = getattr(tokenizer, "model_max_length", None)
    return n if isinstance(n, int) and 0 < n < 10**7 else 4096
