"""`playground` command line: parse, build config, call the subcommand. Thin."""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Any

from agent import __version__
from agent.commands import COMMANDS
from agent.config import BACKENDS, DEFAULT_MODEL, PlaygroundConfig, build_config, load_config_file
from agent.errors import PlaygroundError
from agent.models import resolved_backend
from agent.models.bundles import BUNDLES


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad usage as one line and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        sys.exit(2)


def _common_options() -> argparse.ArgumentParser:
    p = _Parser(add_help=False)
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
