"""`playground exec FILE|-`: run a Python file in the sandbox and show the result."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from agent.errors import UsageError
from playground.options import output_folder, positive_float, positive_int
from tools.isolation import SandboxUnavailableError
from tools.sandbox import run
from tools.types import Limits

HELP = "run a Python file in the sandbox (the one the agent's code runs in)"
DESCRIPTION = """\
Run a Python program in the sandbox: bubblewrap (no network, read-only system,
a fresh work dir) when installed, else unshare, else a plain subprocess with a
warning. Limits: wall-clock timeout, memory, CPU, file size, processes.

  playground exec script.py --timeout 10 --memory-mb 512
  echo 'print(2 + 2)' | playground exec - --json

Exit 0 when the program succeeded, 1 when it failed or hit a limit."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="Python file to run, or - for standard input")
    parser.add_argument("--timeout", type=positive_float, default=30.0, help="wall-clock seconds (default 30)")
    parser.add_argument("--memory-mb", type=positive_int, default=1024, help="address-space limit in MiB (default 1024)")
    parser.add_argument("--workdir", type=output_folder, help="work dir to run in and keep (default: a temporary dir, deleted)")
    parser.add_argument("--isolation", choices=["bwrap", "unshare", "subprocess"],
                        help="force an isolation level (default: the strongest available)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def _read_code(name: str) -> tuple[str, str]:
    if name == "-":
        return sys.stdin.read(), "stdin.py"
    path = Path(name)
    if not path.is_file():
        raise UsageError(f"no such file: {name}")
    try:
        return path.read_text(encoding="utf-8"), path.name
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"cannot read {name}: {e}") from e


def main(args: argparse.Namespace) -> int:
    code, filename = _read_code(args.file)
    limits = Limits(timeout_s=args.timeout, memory_mb=args.memory_mb)
    try:
        result = run(code, limits, workdir=args.workdir, isolation=args.isolation, filename=filename)
    except SandboxUnavailableError as e:
        raise UsageError(str(e)) from e
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
        status = "ok" if result.ok else ("timed out" if result.timed_out else
                                          "memory limit" if result.memory_exceeded else
                                          f"exit code {result.returncode}")
        extra = f", files: {', '.join(result.files)}" if result.files and result.workdir else ""
        sys.stderr.write(f"[{status} in {result.duration_s:.2f}s, isolation {result.isolation}{extra}]\n")
    return 0 if result.ok else 1
