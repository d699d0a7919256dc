"""Code in model replies: the one parser of fenced blocks, and the program a completion
stands for.

`fenced_blocks` reads every ```lang ... ``` block in order; the last one may be left
open (the reply stopped, or was cut, before its closing fence). The code-acting loop
(agent/codeact/code_blocks.py) and code answers (`extract_code`) both read replies
through it.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

from agent.types import Sample

PYTHON_LANGS = frozenset({"python", "py", "python3", "ipython", "ipython3"})
_OPEN = re.compile(r"^[ \t]*```[ \t]*(?P<lang>[\w+.-]*)[^\n]*$", re.M)
_CLOSE = re.compile(r"^[ \t]*```[ \t]*$", re.M)


@dataclass(frozen=True)
class Fence:
    """One fenced block: its language (lower case, "" when none), its text, where its
    opening fence starts, and whether a closing fence ends it."""

    lang: str
    body: str
    start: int
    closed: bool


def fenced_blocks(text: str) -> list[Fence]:
    """Every fenced block of `text` in order; only the last can be open (it runs to the end)."""
    out: list[Fence] = []
    pos = 0
    while (m := _OPEN.search(text, pos)) is not None:
        body_start = m.end() + 1
        close = _CLOSE.search(text, body_start) if body_start <= len(text) else None
        lang = m.group("lang").lower()
        if close is None:
            out.append(Fence(lang, text[body_start:], m.start(), False))
            break
        out.append(Fence(lang, text[body_start:close.start()], m.start(), True))
        pos = close.end()
    return out


def _parses(code: str) -> bool:
    try:
        compile(code, "<solution>", "exec")  # unlike ast.parse, flags `return` outside a function
    except (SyntaxError, ValueError):
        return False
    return True


def _defines(code: str, name: str) -> bool:
    return re.search(rf"^[ \t]*(?:async[ \t]+)?def[ \t]+{re.escape(name)}[ \t]*\(", code, re.M) is not None


def _pick_block(text: str, entry_point: str | None) -> str:
    """The fenced python block holding the entry point (else the first), or the raw text.

    Completions continue a prefill that opened a ```python block, so a bare ``` after
    some code is the closing fence: the code is what comes before it."""
    fences = fenced_blocks(text)
    if fences and fences[0].lang == "" and text[:fences[0].start].strip():
        return text[:fences[0].start]
    blocks = [f.body for f in fences if f.lang in PYTHON_LANGS or f.lang == ""]
    if not blocks:
        return text
    if entry_point:
        for b in blocks:
            if _defines(b, entry_point):
                return b
    return blocks[0]


def _humaneval_code(completion: str, sample: Sample) -> str:
    prompt: str = sample.metadata.get("prompt", sample.input)
    entry = sample.metadata.get("entry_point")
    code = _pick_block(completion, entry)
    if not code.strip():
        return ""
    if entry and _defines(code, entry):
        # the model wrote the whole function (maybe indented, maybe repeating the signature):
        # its definition follows the prompt's stub and replaces it; the prompt keeps imports and helpers
        whole = textwrap.dedent(code).strip("\n") + "\n"
        program = prompt.rstrip() + "\n\n\n" + whole
        if _parses(program) or not _parses(whole):
            return program
        imports = [ln for ln in prompt.splitlines() if ln.startswith(("import ", "from "))]
        return "\n".join(imports) + "\n\n" + whole
    body = code.rstrip()
    program = prompt.rstrip("\n") + "\n" + body.strip("\n") + "\n"
    if not _parses(program):
        indented = textwrap.indent(textwrap.dedent(body.strip("\n")), "    ")
        candidate = prompt.rstrip("\n") + "\n" + indented + "\n"
        if _parses(candidate):
            return candidate
    return program


def extract_code(completion: str, sample: Sample) -> str:
    """The program the completion stands for ("" when it holds no code).

    A fenced ```python block is used if present (the one defining the entry point),
    else the raw text. HumanEval: the prompt + the model's function or body."""
    if sample.metadata.get("test") is not None and "entry_point" in sample.metadata and "test_list" not in sample.metadata:
        return _humaneval_code(completion, sample)
    code = textwrap.dedent(_pick_block(completion, sample.metadata.get("entry_point"))).strip("\n")
    if not code.strip() or (not _parses(code) and not re.search(r"^\s*(def|class|import|from)\s", code, re.M)):
        return ""  # prose, not code
    return code + "\n"
