"""`playground` command line: parse, build config, call the subcommand. Thin."""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Any

from agent import __version__
from agent.commands import COMMANDS
from agent.config import PlaygroundConfig, build_config, load_config_file
from agent.errors import PlaygroundError


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad usage as one line and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        sys.exit(2)


def _common_options() -> argparse.ArgumentParser:
    p = _Parser(add_help=False)
    g = p.add_argument_group("model and sampling (override --config)")
    g.add_argument("--backend", choices=["transformers", "vllm", "openai", "scripted"],
                   help="transformers (default, CPU/GPU), vllm (in-process engine), "
                        "openai (any OpenAI-compatible server, e.g. vllm serve), scripted (test double)")
    g.add_argument("--model", help="HF id, local HF folder or .gguf file (default Qwen/Qwen2.5-Coder-0.5B-Instruct); "
                                    "for --backend scripted, a YAML/JSON script")
    g.add_argument("--base-url", action="append", help="server URL for --backend openai (repeat to spread load)")
    g.add_argument("--dtype", choices=["auto", "float32", "bfloat16", "float16", "int8"],
                   help="weights dtype (auto: bfloat16 on CUDA, float32 on CPU)")
    g.add_argument("--seed", type=int, help="sampling seed (default 0)")
    g.add_argument("--temperature", type=float, help="sampling temperature (default 0 = greedy)")
    g.add_argument("--top-p", type=float, help="nucleus sampling (default 1.0)")
    g.add_argument("--max-tokens", type=int, help="max generated tokens per completion (default 1024)")
    g.add_argument("--config", help="YAML/JSON config file; command-line options win")
    return p


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="playground",
        description="Chat with open models, let them write and run code in a sandbox, "
                    "reason step by step, and compare test-time compute strategies.",
    )
    parser.add_argument("--version", action="version", version=f"playground {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    common = _common_options()
    for name in COMMANDS:
        mod = importlib.import_module(f"agent.commands.{name}")
        sp = sub.add_parser(name, help=mod.HELP, description=getattr(mod, "DESCRIPTION", mod.HELP),
                            parents=[common], formatter_class=argparse.RawDescriptionHelpFormatter)
        mod.add_arguments(sp)
        sp.set_defaults(_command=mod)
    return parser


def config_from_args(args: argparse.Namespace) -> PlaygroundConfig:
    """The resolved config: --config file, then command-line overrides."""
    file_data: dict[str, Any] = load_config_file(args.config) if getattr(args, "config", None) else {}
    overrides = {
        "model": {
            "backend": args.backend, "model": args.model, "base_url": args.base_url,
            "dtype": args.dtype, "seed": args.seed,
        },
        "sampling": {"temperature": args.temperature, "top_p": args.top_p, "max_tokens": args.max_tokens},
    }
    return build_config(file_data, overrides)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_command", None):
        parser.print_help()
        return 2
    try:
        return int(args._command.main(args) or 0)
    except PlaygroundError as e:
        sys.stderr.write(f"playground: error: {e}\n")
        return e.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("playground: interrupted\n")
        return 130


if __name__ == "__main__":
    sys.exit(main())
