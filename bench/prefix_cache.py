"""Prompt tokens evaluated once: the llamacpp backend's KV-cache reuse (numbers for bench/README.md).

    python bench/prefix_cache.py fewshot --data ../shared/data/gsm8k/test.jsonl   # 1.5B: fewshot vs cot wall, 16 questions
    python bench/prefix_cache.py chat                  # 1.5B: time to first token, turn 1..8 of a growing chat
    python bench/prefix_cache.py chat --backend transformers --model qwen2.5-coder-0.5b --tokens 64
                                                       # the same with the transformers backend's kept cache
    python bench/prefix_cache.py agent                 # 1.5B: the README's main job, prompt tokens evaluated / sent
    python bench/prefix_cache.py agree [--model M]     # cold vs warm cache: same greedy tokens? logprob differences
    python bench/prefix_cache.py server --data ../shared/data/gsm8k/test.jsonl
                       # 1.5B: the fewshot/cot set through llama-cpp-python's server (its own prefix reuse)
                       # and the openai backend, then in-process, one after the other

Each part loads the model once (load time excluded) and prints JSON. `fewshot` and
`chat` run each case from an empty cache; `chat` also runs every turn from an empty
cache (what each turn cost before prefix reuse) in the same run. Run on the commit
before prefix reuse (its decoder has no `clear`), the same script measures the old
behaviour.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent.models.bundles import BUNDLES, bundle_gguf  # noqa: E402
from agent.types import Request, SamplingParams, assistant, user  # noqa: E402

CHAT = ["What is a hash map?", "How does it handle collisions?", "What is a load factor?",
        "When does it resize?", "Show a tiny Python example.", "What is its worst-case lookup time?",
        "How do Python dicts keep insertion order?", "Summarize our conversation in two sentences."]


def _model(name: str, threads: int, backend: str = "llamacpp"):
    if backend == "transformers":
        from agent.models.resolve import resolve_model
        from agent.models.transformers import TransformersModel

        return TransformersModel(resolve_model(name, allow_hub=False).path, seed=0)
    from agent.models.llamacpp import LlamaCppModel

    return LlamaCppModel(str(bundle_gguf(BUNDLES[name])), n_threads=threads)


def _clear(model) -> None:
    """Empty the backend's KV cache (llamacpp: the decoder's; transformers: the kept sequence)."""
    holder = getattr(model, "decoder", None) or getattr(model, "kept", None)
    clear = getattr(holder, "clear", None)
    if clear is not None:
        clear()


def _questions(path: str, limit: int) -> list[str]:
    questions = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            questions.append(json.loads(line)["question"])
            if len(questions) == limit:
                break
    return questions


def _evaluated(model) -> int:
    return model.decoder.stats.prompt_tokens


def cmd_fewshot(args) -> dict:
    from agent import reasoning

    questions = _questions(args.data, args.questions)
    model = _model(args.model, args.threads)
    model.generate([Request([user("hi")], SamplingParams(max_tokens=4))])  # warm-up
    params = SamplingParams(max_tokens=args.tokens)
    out: dict = {}
    for method in ("cot", "fewshot"):
        reqs = [Request(reasoning.build_messages(q, method, "number", None), params) for q in questions]
        _clear(model)
        before = _evaluated(model)
        t0 = time.perf_counter()
        model.generate(reqs)
        wall = time.perf_counter() - t0
        sent = sum(model.count_tokens(r.messages) for r in reqs)
        out[method] = {"seconds": round(wall, 1), "prompt_tokens_per_question": round(sent / len(reqs)),
                       "prompt_tokens_sent": sent, "prompt_tokens_evaluated": _evaluated(model) - before}
    out["fewshot / cot"] = round(out["fewshot"]["seconds"] / out["cot"]["seconds"], 2)
    model.close()
    return out


def _served(gguf: Path, threads: int, log: Path):
    """llama-cpp-python's server (the installed package) on a free loopback port: (process, base URL)."""
    import socket
    import subprocess

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--host", "127.0.0.1",
                             "--port", str(port), "--n_ctx", "8192", "--n_threads", str(threads)],
                            stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(url + "/models", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit(f"llama_cpp.server did not start: {log}")


def cmd_server(args) -> dict:
    """The fewshot part's requests (cot, then fewshot) sent to llama-cpp-python's server through the
    openai backend (one request at a time: that server has one slot), then in-process in one call each."""
    from agent import reasoning
    from agent.models.openai import OpenAIModel

    questions = _questions(args.data, args.questions)
    params = SamplingParams(max_tokens=args.tokens)
    sets = {m: [Request(reasoning.build_messages(q, m, "number", None), params) for q in questions]
            for m in ("cot", "fewshot")}
    out: dict = {"server": {}, "in-process": {}}
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = _served(bundle_gguf(BUNDLES[args.model]), args.threads, Path(tmp) / "server.log")
        try:
            model = OpenAIModel(url, max_concurrency=1, request_timeout=900)
            model.generate([Request([user("hi")], SamplingParams(max_tokens=4))])  # warm-up
            for method, reqs in sets.items():
                t0 = time.perf_counter()
                model.generate(reqs)
                out["server"][method] = round(time.perf_counter() - t0, 1)
            model.close()
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    model = _model(args.model, args.threads)
    model.generate([Request([user("hi")], SamplingParams(max_tokens=4))])
    for method, reqs in sets.items():
        _clear(model)
        t0 = time.perf_counter()
        model.generate(reqs)
        out["in-process"][method] = round(time.perf_counter() - t0, 1)
    model.close()
    out["server / in-process"] = {m: round(out["server"][m] / out["in-process"][m], 2) for m in sets}
    return out


def _first_token(model, messages, params) -> tuple[float, str]:
    t0 = time.perf_counter()
    first, pieces = None, []
    for piece in model.stream(messages, params):
        if first is None:
            first = time.perf_counter() - t0
        pieces.append(piece)
    return first or 0.0, "".join(pieces)


def cmd_chat(args) -> dict:
    model = _model(args.model, args.threads, args.backend)
    params = SamplingParams(max_tokens=args.tokens)
    _first_token(model, [user("hi")], SamplingParams(max_tokens=4))  # warm-up
    _clear(model)
    history: list = []
    turns = []
    for i, question in enumerate(CHAT, 1):
        history.append(user(question))
        warm, reply = _first_token(model, history, params)
        history.append(assistant(reply))
        turns.append({"turn": i, "prompt_tokens": model.count_tokens(history[:-1]), "first_token_s": round(warm, 2)})
    for turn, i in zip(turns, range(len(history) // 2), strict=True):  # the same prompts, each from an empty cache
        _clear(model)
        turn["cold_first_token_s"] = round(_first_token(model, history[:2 * i + 1], SamplingParams(max_tokens=1))[0], 2)
    model.close()
    return {"turns": turns,
            "turn 8 / turn 1": round(turns[-1]["first_token_s"] / turns[0]["first_token_s"], 2),
            "cold: turn 8 / turn 1": round(turns[-1]["cold_first_token_s"] / turns[0]["cold_first_token_s"], 2)}


def cmd_agent(args) -> dict:
    from agent.codeact.loop import CodeAgent
    from agent.codeact.types import AgentConfig
    from tools.session import PythonSession

    model = _model(args.model, args.threads)
    stats = model.decoder.stats
    sent0, evaluated0 = stats.prompt_tokens_sent, stats.prompt_tokens
    with tempfile.TemporaryDirectory() as work, PythonSession(workdir=Path(work)) as session:
        t0 = time.perf_counter()
        result = CodeAgent(model, session, AgentConfig(candidates=4, seed=args.seed)).run(args.task)
        wall = time.perf_counter() - t0
    sent, evaluated = stats.prompt_tokens_sent - sent0, stats.prompt_tokens - evaluated0
    model.close()
    return {"task": args.task, "success": result.success, "steps": len(result.steps), "seconds": round(wall, 1),
            "prompt_tokens_sent": sent, "prompt_tokens_evaluated": evaluated,
            "evaluated / sent": round(evaluated / max(1, sent), 3), "preempted": stats.preempted}


def cmd_agree(args) -> dict:
    """Greedy replies with the cache cold and warm: the same request again (its prompt cached but
    the last token), and a second chat turn (the first turn's prompt and reply cached)."""
    questions = _questions(args.data, args.questions)
    model = _model(args.model, args.threads)
    params = SamplingParams(max_tokens=args.tokens, logprobs=True)
    out: dict = {}
    for case in ("repeat", "next turn"):
        same, diffs = 0, []
        for q in questions:
            _clear(model)
            messages = [user(q)]
            if case == "next turn":
                [[first]] = model.generate([Request(messages, params)])
                messages = [*messages, assistant(first.text), user("Check your answer and state it again.")]
            else:
                model.generate([Request(messages, params)])  # puts the prompt in the cache
            [[warm]] = model.generate([Request(messages, params)])
            _clear(model)
            [[cold]] = model.generate([Request(messages, params)])
            if warm.text == cold.text:  # the same tokens: compare their logprobs
                same += 1
                diffs += [abs(a - b) for a, b in zip(warm.logprobs, cold.logprobs, strict=True)]
        diffs = sorted(diffs) or [float("nan")]
        out[case] = {"same text": f"{same}/{len(questions)}",
                     "same-text logprob |diff| median": round(diffs[len(diffs) // 2], 5),
                     "p99": round(diffs[int(0.99 * (len(diffs) - 1))], 4), "max": round(diffs[-1], 4),
                     "tokens compared": len(diffs)}
    model.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("part", choices=["fewshot", "chat", "agent", "agree", "server"])
    ap.add_argument("--model", default=None, help="offline model short name (default: 1.5B; agree: 0.5B)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--backend", choices=["llamacpp", "transformers"], default="llamacpp", help="chat only")
    ap.add_argument("--tokens", type=int, default=None, help="max tokens per reply (fewshot 16, chat 200, agree 64)")
    ap.add_argument("--questions", type=int, default=16)
    ap.add_argument("--data", help="a GSM8K test.jsonl (fewshot, agree, server)")
    ap.add_argument("--task", default="Write a mandelbrot fractal algorithm in Python")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if args.part in ("fewshot", "agree", "server") and not args.data:
        ap.error(f"{args.part} needs --data PATH")
    args.model = args.model or ("qwen2.5-coder-0.5b" if args.part == "agree" else "qwen2.5-coder-1.5b")
    args.tokens = args.tokens or {"fewshot": 16, "chat": 200, "agree": 64, "agent": 0, "server": 16}[args.part]
    part = {"fewshot": cmd_fewshot, "chat": cmd_chat, "agent": cmd_agent, "agree": cmd_agree,
            "server": cmd_server}[args.part]
    print(json.dumps(part(args), indent=1))


if __name__ == "__main__":
    main()
