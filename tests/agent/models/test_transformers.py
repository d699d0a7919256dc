"""The transformers backend on the tiny random-weight Qwen2 (real code paths, real tokenizer)."""

from __future__ import annotations

import pytest

from agent.models.stop_strings import find_stop, safe_stream_end
from agent.models.transformers import TransformersModel, plan_chunks
from agent.models.transformers_sampling import top_p_filter
from agent.types import Model, Request, SamplingParams, assistant, system, user

PROMPTS = ["Hi", "What is the capital of France? Tell me more, please, in detail.", "abc def"]


@pytest.fixture(scope="module")
def tiny(tiny_model_dir) -> TransformersModel:
    model = TransformersModel(str(tiny_model_dir), batch_size=16)
    yield model
    model.close()


def greedy(max_tokens: int = 12, **kw) -> SamplingParams:
    return SamplingParams(temperature=0.0, max_tokens=max_tokens, **kw)


# ---------------------------------------------------------------- pure parts

@pytest.mark.parametrize("work,size,expected", [
    ([(0, 1), (1, 1), (2, 1)], 2, [[(0, 1), (1, 1)], [(2, 1)]]),
    ([(0, 3), (1, 2)], 4, [[(0, 3)], [(1, 2)]]),  # a request with n <= batch_size is never split
    ([(0, 5)], 2, [[(0, 2)], [(0, 2)], [(0, 1)]]),
    ([(0, 1), (1, 5)], 4, [[(0, 1), (1, 3)], [(1, 2)]]),
])
def test_plan_chunks(work, size, expected):
    assert plan_chunks(work, size) == expected


def test_stop_helpers():
    assert find_stop("abc STOP def END", ("END", "STOP")) == 4
    assert find_stop("abc", ("x", "")) == -1
    assert safe_stream_end("hello wor", ("world",)) == len("hello ")
    assert safe_stream_end("hello", ("xyz",)) == 5
    assert safe_stream_end("ab\ufffd", ()) == 2


def test_top_p_filter_keeps_the_nucleus():
    import torch

    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]]))
    kept = torch.isfinite(top_p_filter(logits, 0.7))
    assert kept.tolist() == [[True, True, False, False]]
    assert torch.isfinite(top_p_filter(logits, 1.0)).all()


# ---------------------------------------------------------------- tiny model

def reference_ids(model: TransformersModel, ids: list[int], max_new_tokens: int) -> list[int]:
    """Greedy continuation by Hugging Face's own generate, as a reference."""
    import torch

    x = torch.tensor([ids])
    out = model.model.generate(x, attention_mask=torch.ones_like(x), max_new_tokens=max_new_tokens,
                               do_sample=False, eos_token_id=None, pad_token_id=model.pad_id)
    return out[0, len(ids):].tolist()


@pytest.mark.tiny_model
def test_satisfies_protocol_and_counts_prompt_tokens(tiny):
    assert isinstance(tiny, Model)
    assert tiny.backend == "transformers" and tiny.context_length == 4096
    msgs = [user("What is 2+2?")]
    ids = tiny.tokenizer.apply_chat_template([m.to_dict() for m in msgs], add_generation_prompt=True,
                                             tokenize=True, return_dict=True)["input_ids"]
    assert tiny.count_tokens(msgs) == len(ids)
    (c,), = tiny.generate([Request(msgs, greedy(5))])
    assert c.prompt_tokens == len(ids)


@pytest.mark.tiny_model
def test_outputs_depend_on_the_prompt(tiny):
    outs = tiny.generate([Request([user(p)], greedy()) for p in PROMPTS])
    assert len({o[0].text for o in outs}) == len(PROMPTS)


@pytest.mark.tiny_model
def test_batched_greedy_equals_one_by_one(tiny):
    requests = [Request([user(p)], greedy(16)) for p in PROMPTS]
    batched = [o[0] for o in tiny.generate(requests)]
    single = [tiny.generate([r])[0][0] for r in requests]
    assert [c.text for c in batched] == [c.text for c in single]
    assert all(c.finish_reason == "length" and c.completion_tokens == 16 for c in batched)
    small = TransformersModel(tiny.path, batch_size=2)  # chunked: 2 + 1
    assert [o[0].text for o in small.generate(requests)] == [c.text for c in single]


@pytest.mark.tiny_model
def test_greedy_matches_hf_generate(tiny):
    msgs = [user(PROMPTS[1])]
    ref = reference_ids(tiny, tiny.encode(msgs), 10)
    (c,), = tiny.generate([Request(msgs, greedy(10))])
    assert c.text == tiny.tokenizer.decode(ref, skip_special_tokens=True)


@pytest.mark.tiny_model
def test_n_samples_process_the_prompt_once(tiny):
    msgs = [user(PROMPTS[1])]
    tiny.kept.clear()  # nothing kept from an earlier call: the whole prompt is evaluated, once
    before = tiny.stats.prefill_tokens
    (samples,) = tiny.generate([Request(msgs, SamplingParams(n=4, temperature=1.0, max_tokens=10, seed=3))])
    n = tiny.count_tokens(msgs)
    assert tiny.stats.prefill_tokens - before == n
    assert len(samples) == 4 and len({s.text for s in samples}) > 1
    assert all(s.prompt_tokens == n for s in samples)
    assert [s.prompt_tokens_evaluated for s in samples] == [n, 0, 0, 0]  # the first sample's cells, shared


@pytest.mark.tiny_model
def test_the_next_turn_evaluates_only_what_is_new_and_gives_the_same_tokens(tiny):
    first = [system("You are terse."), user(PROMPTS[0])]
    tiny.kept.clear()
    [[reply]] = tiny.generate([Request(first, greedy(12))])
    turn2 = [*first, assistant(reply.text), user(PROMPTS[2])]
    req = Request(turn2, SamplingParams(temperature=0.0, max_tokens=12, logprobs=True))
    before = tiny.stats.prefill_tokens
    [[warm]] = tiny.generate([req])
    assert warm.cached_tokens > tiny.count_tokens(first)  # the first prompt and the start of its reply
    assert tiny.stats.prefill_tokens - before == warm.prompt_tokens_evaluated == warm.prompt_tokens - warm.cached_tokens
    tiny.kept.clear()
    [[cold]] = tiny.generate([req])
    assert cold.cached_tokens == 0 and cold.text == warm.text
    assert warm.logprobs == pytest.approx(cold.logprobs, abs=1e-3)
    # a stream is a call of one prompt too: it reads the cache the last call left, and returns its counts
    from agent.streams import relay

    streamed = relay(tiny.stream(turn2, greedy(12)), lambda piece: None)
    assert streamed.text == warm.text and streamed.cached_tokens == warm.prompt_tokens - 1


@pytest.mark.tiny_model
def test_a_batch_of_several_prompts_neither_uses_nor_drops_the_kept_cache(tiny):
    tiny.kept.clear()
    [[one]] = tiny.generate([Request([user(PROMPTS[0])], greedy(6))])
    kept = list(tiny.kept.tokens)
    both = tiny.generate([Request([user(p)], greedy(6)) for p in PROMPTS[:2]])
    assert [b[0].cached_tokens for b in both] == [0, 0] and tiny.kept.tokens == kept
    [[again]] = tiny.generate([Request([user(PROMPTS[0])], greedy(6))])
    assert again.text == one.text and again.cached_tokens == again.prompt_tokens - 1


@pytest.mark.tiny_model
def test_n_larger_than_batch_size(tiny_model_dir):
    model = TransformersModel(str(tiny_model_dir), batch_size=2)
    (samples,) = model.generate([Request([user("x")], SamplingParams(n=5, temperature=1.0, max_tokens=4, seed=1))])
    assert len(samples) == 5 and all(s.completion_tokens == 4 for s in samples)


@pytest.mark.tiny_model
def test_seeds_reproduce(tiny):
    def sample(seed):
        r = Request([user("Tell me a story")], SamplingParams(n=3, temperature=1.0, max_tokens=10, seed=seed))
        return [c.text for c in tiny.generate([r])[0]]

    assert sample(7) == sample(7)
    assert sample(7) != sample(8)
    # the same seeded request gives the same samples when batched with other work
    other = Request([user("Something else entirely, and longer")], SamplingParams(n=2, temperature=1.0, seed=1,
                                                                                  max_tokens=10))
    mixed = tiny.generate([other, Request([user("Tell me a story")],
                                          SamplingParams(n=3, temperature=1.0, max_tokens=10, seed=7))])
    assert [c.text for c in mixed[1]] == sample(7)
    # without a seed, successive calls differ
    free = Request([user("Tell me a story")], SamplingParams(n=1, temperature=1.0, max_tokens=10))
    assert tiny.generate([free])[0][0].text != tiny.generate([free])[0][0].text


@pytest.mark.tiny_model
def test_stop_strings_cut_the_text(tiny):
    msgs = [user(PROMPTS[1])]
    full = tiny.generate([Request(msgs, greedy(20))])[0][0]
    ref = reference_ids(tiny, tiny.encode(msgs), 20)
    stop = tiny.tokenizer.decode(ref[5:7])
    (c,), = tiny.generate([Request(msgs, greedy(20, stop=(stop, "never-appears")))])
    assert c.finish_reason == "stop"
    assert c.text == full.text[:full.text.find(stop)]
    assert stop not in c.text
    # tokens counted up to and including the token that completed the stop string
    expected = next(k for k in range(1, 21) if stop in tiny.tokenizer.decode(ref[:k]))
    assert c.completion_tokens == expected


@pytest.mark.tiny_model
def test_eos_stops_and_is_counted(tiny_model_dir):
    model = TransformersModel(str(tiny_model_dir))
    msgs = [user(PROMPTS[0])]
    ids = reference_ids(model, model.encode(msgs), 10)
    model.eos_ids = {ids[3]}  # pretend the 4th generated token is the end of turn
    (c,), = model.generate([Request(msgs, greedy(10, logprobs=True))])
    assert c.finish_reason == "stop" and c.completion_tokens == 4 and len(c.logprobs) == 4
    assert c.text == model.tokenizer.decode(ids[:3])


@pytest.mark.tiny_model
def test_logprobs(tiny):
    import torch

    msgs = [user(PROMPTS[2])]
    (c,), = tiny.generate([Request(msgs, greedy(8, logprobs=True))])
    assert len(c.logprobs) == c.completion_tokens == 8
    assert all(lp <= 0 for lp in c.logprobs)
    with torch.no_grad():  # the first value is the raw model log-probability of the greedy token
        logits = tiny.model(torch.tensor([tiny.encode(msgs)])).logits[0, -1].float()
    assert c.logprobs[0] == pytest.approx(float(logits.log_softmax(-1).max()), abs=1e-4)
    (s,), = tiny.generate([Request(msgs, SamplingParams(temperature=1.0, max_tokens=8, seed=2, logprobs=True))])
    assert len(s.logprobs) == 8 and all(lp <= 0 for lp in s.logprobs)
    (plain,), = tiny.generate([Request(msgs, greedy(8))])
    assert plain.logprobs is None


@pytest.mark.tiny_model
def test_prefill_is_continued(tiny):
    msgs = [user("What is 2+2?")]
    prefill = "The answer is"
    assert tiny.render(msgs, prefill).endswith("<|im_start|>assistant\n" + prefill)
    ids = tiny.encode(msgs, prefill)
    (c,), = tiny.generate([Request(msgs, greedy(8), prefill=prefill)])
    assert c.prompt_tokens == len(ids) > tiny.count_tokens(msgs)
    assert c.text == tiny.tokenizer.decode(reference_ids(tiny, ids, 8), skip_special_tokens=True)


@pytest.mark.tiny_model
def test_stream_joins_to_generate(tiny):
    msgs = [user(PROMPTS[1])]
    full = tiny.generate([Request(msgs, greedy(20))])[0][0].text
    pieces = list(tiny.stream(msgs, greedy(20)))
    assert len(pieces) > 1 and "".join(pieces) == full
    stop = full[10:14]
    streamed = "".join(tiny.stream(msgs, greedy(20, stop=(stop,))))
    assert streamed == tiny.generate([Request(msgs, greedy(20, stop=(stop,)))])[0][0].text == full[:full.find(stop)]


@pytest.mark.tiny_model
def test_int8_loads_and_generates(tiny_model_dir):
    model = TransformersModel(str(tiny_model_dir), dtype="int8")
    (c,), = model.generate([Request([user("hi")], greedy(4))])
    assert model.dtype == "int8" and c.completion_tokens == 4


def test_bad_dtype_is_a_usage_error(tmp_path):
    from agent.errors import UsageError

    with pytest.raises(UsageError, match="dtype"):
        TransformersModel(str(tmp_path), dtype="int4")


# ---------------------------------------------------------------- real model

@pytest.mark.real_model
@pytest.mark.slow
def test_default_model_multiplies():
    from agent.config import ModelConfig
    from agent.errors import ModelNotFoundError

    try:
        model = TransformersModel.from_config(ModelConfig())
    except ModelNotFoundError as e:
        pytest.skip(str(e))
    (c,), = model.generate([Request([user("What is 7*8?")], greedy(64))])
    assert "56" in c.text
    model.close()
