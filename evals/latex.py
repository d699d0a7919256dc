"""LaTeX answers (MATH-style): find the last \\boxed{...} and bring an answer to a
canonical string, so that equal answers mostly compare equal as text before any
symbolic check. In the spirit of Hendrycks et al.'s `strip_string`, plus units,
degrees, `\\left/\\right`, `\\dfrac`, `x=` prefixes and plain numbers."""

from __future__ import annotations

import re

from evals.normalize import format_number, parse_number

_BOX_COMMANDS = ("\\boxed", "\\fbox")
_TEXT_CMD = re.compile(r"\\(?:text|textbf|textrm|mathrm|mbox|mathbf|operatorname)\s*\{([^{}]*)\}")
_TRAILING_UNIT = re.compile(r"(?<=[\d}])\s*\\(?:text|mbox|mathrm)\s*\{\s*[A-Za-z][A-Za-z .'/^-]*\}\s*(?:\^\{?[23]\}?)?$")
_FRAC_SHORT = re.compile(r"\\frac(\d)(\d)")
_FRAC_HALF_SHORT = re.compile(r"\\frac\{([^{}]+)\}(\d)")
_SQRT_SHORT = re.compile(r"\\sqrt(\d+|[a-zA-Z])")
_VAR_EQ = re.compile(r"^[A-Za-z](?:_\{?\w+\}?)?\s*=\s*")
_SPACE = re.compile(r"(\\[a-zA-Z]+)?\s+(?=(.?))")
_PLAIN_NUMBER = re.compile(r"-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:/\d+)?|-?\.\d+|-?\\frac\{-?\d+\}\{\d+\}")
_LEADING_DOT = re.compile(r"(?<![\d}])\.(\d)")


def last_boxed(text: str) -> str | None:
    """The content of the last complete \\boxed{...} (or \\fbox{...}, or `\\boxed 5`)
    in `text`, with nested braces; None when there is none."""
    end = len(text)
    while True:
        start = max(text.rfind(cmd, 0, end) for cmd in _BOX_COMMANDS)
        if start < 0:
            return None
        content = _box_content(text, start)
        if content is not None:
            return content.strip()
        end = start


def _box_content(text: str, start: int) -> str | None:
    i = text.find("{", start)
    cmd_end = start + (6 if text.startswith("\\boxed", start) else 5)
    if i < 0 or text[cmd_end:i].strip():
        m = re.match(r"\s+([^\s$]+)", text[cmd_end:])  # "\boxed 5"
        return m.group(1) if m else None
    depth = 0
    for j in range(i, len(text)):
        c = text[j]
        if c == "{" and text[j - 1] != "\\":
            depth += 1
        elif c == "}" and text[j - 1] != "\\":
            depth -= 1
            if depth == 0:
                return text[i + 1:j]
    return None  # unbalanced (truncated generation)


def strip_math_delimiters(s: str) -> str:
    s = s.strip()
    for left, right in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
        if s.startswith(left) and s.endswith(right) and len(s) >= len(left) + len(right):
            return s[len(left):len(s) - len(right)].strip()
    return s


def _space(m: re.Match) -> str:
    cmd, nxt = m.group(1), m.group(2)
    if cmd:  # keep "\pi r" from becoming "\pir"
        return cmd + (" " if nxt.isalpha() else "")
    return ""


def normalize_latex(s: str) -> str:
    """A canonical string for a LaTeX answer. Plain numbers come out as
    `normalize_number` writes them ("\\frac{3}{4}" -> "0.75", "1,\\!000" -> "1000")."""
    s = strip_math_delimiters(s.strip())
    if s.startswith(_BOX_COMMANDS):
        inner = last_boxed(s)
        if inner is not None:
            s = inner
    s = s.replace("\n", " ").strip()
    for a, b in (("\\!", ""), ("\\,", ""), ("\\;", ""), ("\\:", ""), ("\\ ", " "), ("~", " "),
                 ("\\dfrac", "\\frac"), ("\\tfrac", "\\frac"), ("\\displaystyle", ""),
                 ("\\left", ""), ("\\right", ""), ("\\bigl", ""), ("\\bigr", ""),
                 ("^{\\circ}", ""), ("^\\circ", ""), ("\\circ", ""), ("°", ""), ("\\degree", ""),
                 ("\\%", ""), ("%", ""), ("\\$", ""), ("$", ""), ("{,}", ","), ("\\le ", "\\leq "),
                 ("\\ge ", "\\geq ")):
        s = s.replace(a, b)
    s = s.rstrip(" .")
    s = _TRAILING_UNIT.sub("", s).strip()
    if s.startswith("\\text{") and s.endswith("}") and s.count("{") == 1:
        s = s[6:-1].strip()
    s = _TEXT_CMD.sub(r"\1", s)
    s = _FRAC_SHORT.sub(r"\\frac{\1}{\2}", s)
    s = _FRAC_HALF_SHORT.sub(r"\\frac{\1}{\2}", s)
    s = _SQRT_SHORT.sub(r"\\sqrt{\1}", s)
    if s.count("=") == 1:
        s = _VAR_EQ.sub("", s)
    s = _SPACE.sub(_space, s).strip()
    s = _LEADING_DOT.sub(r"0.\1", s)
    s = s.rstrip(".")
    value = parse_number(s) if _PLAIN_NUMBER.fullmatch(s) else None
    return format_number(value) if value is not None else s
