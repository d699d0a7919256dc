"""Reading the model's replies: the Python code to run, or why there is none.

Pure functions, no I/O. The conventions (documented in prompts/agent.yaml):

- Code is written in fenced blocks (```python ... ```). Several Python blocks
  in one reply are joined in order (small models often split a function and its
  example call); a fence without a language counts as Python only when the reply
  has no block labelled python. Blocks in other languages (bash, text) are ignored.
- With `native_tools`, a Qwen-style `<tool_call>{"name": "python", "arguments":
  {"code": "..."}}</tool_call>` is read first; fenced blocks are the fallback.
- The run ends with an explicit final answer when the code calls
  `final_answer(x)`: the session defines it (FINAL_ANSWER_PRELUDE) to print a
  marker line that `split_final_answer` finds in stdout.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from typing import Literal

from agent.answers.code import PYTHON_LANGS, fenced_blocks

FormatProblem = Literal["unclosed_block", "empty_block", "no_python_block", "bad_tool_call", "redefines_tool"]

FINAL_ANSWER_MARKER = "<<FINAL_ANSWER>>"
FINAL_ANSWER_PRELUDE = (
    "def final_answer(answer):\n"
    f"    print({FINAL_ANSWER_MARKER!r} + repr(str(answer)), flush=True)\n"
)

_TOOL_CALL = re.compile(r"<tool_call>\s*(?P<json>.*?)\s*(?:</tool_call>|$)", re.S)
_REPL_PROMPT = re.compile(r"^(>>>|\.\.\.) ?", re.M)


@dataclass(frozen=True)
class ParsedReply:
    """What a reply asks for: `code` to run, or a format `problem`, or neither (plain text)."""

    text: str
    code: str | None = None
    problem: FormatProblem | None = None
    dropped_tool: bool = False
    """The reply's own top-level final_answer was blanked out of `code` (drop_tool_definitions)."""

    @property
    def has_code(self) -> bool:
        return self.code is not None


def parse_reply(text: str, finished_by_length: bool = False, native_tools: bool = False) -> ParsedReply:
    """The Python code of a reply. `finished_by_length`: the reply was cut at max_tokens,
    so a block left open is truncated code, never run."""
    if native_tools and "<tool_call>" in text:
        return _parse_tool_call(text)
    fences = fenced_blocks(text)
    blocks = [f for f in fences if f.closed]
    python = [f.body for f in blocks if f.lang in PYTHON_LANGS]
    if not python:
        python = [f.body for f in blocks if f.lang == ""]
    tail = fences[-1] if fences and not fences[-1].closed else None
    if tail is not None and (tail.lang in PYTHON_LANGS or (tail.lang == "" and not python)):
        if finished_by_length:
            return ParsedReply(text, problem="unclosed_block")
        python.append(tail.body)  # the model stopped without closing the fence: the code is whole
    if not python:
        if blocks or tail is not None:
            return ParsedReply(text, problem="no_python_block")
        return ParsedReply(text)
    code = "\n\n".join(_clean(b) for b in python).strip("\n")
    if not code.strip() or _only_comments(code):
        return ParsedReply(text, problem="empty_block")
    return _checked(text, code + "\n")


TOOL_NAMES = frozenset({"final_answer"})
"""What the session gives the model's code. Code that binds one of these names would hide it:
in measured runs the model defined its own `final_answer` that only printed (the run could not
end, its picture right) or that called itself until RecursionError."""


def drop_tool_definitions(code: str) -> tuple[str, bool] | None:
    """`code` with its top-level definitions of a tool name (`def final_answer`, `final_answer = ...`)
    blanked out, line numbers kept, so its own calls reach the session's tool; and whether any was
    dropped. None when the code binds a tool name some other way (nested, imported, a loop target)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code, False
    lines, inside = code.splitlines(keepends=True), set()
    for node in tree.body:
        if _defines_tool(node):
            start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
            lines[start - 1:node.end_lineno] = ["\n"] * (node.end_lineno - start + 1)
            inside.update(id(sub) for sub in ast.walk(node))
    for node in ast.walk(tree):
        if id(node) in inside:
            continue
        if (isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name in TOOL_NAMES) \
                or (isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id in TOOL_NAMES) \
                or (isinstance(node, ast.alias) and (node.asname or node.name.split(".")[0]) in TOOL_NAMES):
            return None
    return "".join(lines), bool(inside)


def _defines_tool(node: ast.stmt) -> bool:
    """A top-level `def`/`class` of a tool name, or an assignment whose every target is a tool name."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return node.name in TOOL_NAMES
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return all(isinstance(t, ast.Name) and t.id in TOOL_NAMES for t in targets)
    return False


def _checked(text: str, code: str) -> ParsedReply:
    kept = drop_tool_definitions(code)
    if kept is None:
        return ParsedReply(text, problem="redefines_tool")
    return ParsedReply(text, code=kept[0], dropped_tool=kept[1])


def _only_comments(code: str) -> bool:
    """Code with no statement in it (comments and blank lines): a small model copies a template's
    `# your code` and would "succeed" with it step after step."""
    try:
        return not ast.parse(code).body
    except SyntaxError:
        return False


def _clean(body: str) -> str:
    """Strip interactive-prompt prefixes (>>> / ...) when every code line has them."""
    lines = [ln for ln in body.splitlines() if ln.strip()]
    if lines and all(_REPL_PROMPT.match(ln) for ln in lines):
        body = _REPL_PROMPT.sub("", body)
    return body


def _parse_tool_call(text: str) -> ParsedReply:
    m = _TOOL_CALL.search(text)
    raw = m.group("json") if m else ""
    try:
        call = json.loads(raw)
        args = call.get("arguments", {})
        if isinstance(args, str):  # some models double-encode the arguments
            args = json.loads(args)
        code = args.get("code")
    except (json.JSONDecodeError, AttributeError):
        return ParsedReply(text, problem="bad_tool_call")
    if not isinstance(code, str):
        return ParsedReply(text, problem="bad_tool_call")
    if not code.strip():
        return ParsedReply(text, problem="empty_block")
    return _checked(text, code.rstrip("\n") + "\n")


def split_final_answer(stdout: str) -> tuple[str, str | None]:
    """(stdout without the final-answer marker lines, the last final answer or None)."""
    if FINAL_ANSWER_MARKER not in stdout:
        return stdout, None
    kept, answer = [], None
    for line in stdout.splitlines(keepends=True):
        if line.startswith(FINAL_ANSWER_MARKER):
            raw = line[len(FINAL_ANSWER_MARKER):].strip()
            try:
                answer = str(ast.literal_eval(raw))
            except (ValueError, SyntaxError):
                answer = raw
        else:
            kept.append(line)
    return "".join(kept), answer


_DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_FILE_NAME = re.compile(r"(?<![\w/.-])([\w-]+(?:/[\w-]+)*\.(?:png|jpe?g|gif|svg|pdf|csv|txt|json|html|md|npy))\b", re.I)


def only_defines(code: str) -> bool:
    """True when the code's top level only imports and defines functions/classes: running it
    does nothing visible (a common small-model slip: the functions are never called)."""
    try:
        body = ast.parse(code).body
    except SyntaxError:
        return False
    defines = [n for n in body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)]
    rest = [n for n in body if not isinstance(n, _DEFINITIONS)
            and not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
    return bool(defines) and not rest


def mentioned_files(text: str) -> list[str]:
    """File names (with a common data/figure extension) that a final answer claims, in order."""
    seen: list[str] = []
    for m in _FILE_NAME.finditer(text or ""):
        if m.group(1) not in seen:
            seen.append(m.group(1))
    return seen

