"""LaTeX answers (MATH-style): find the last \\boxed{...} and bring an answer to a
canonical string, so that equal answers mostly compare equal as text before any
symbolic check. In the spirit of Hendrycks et al.'s `strip_string`, plus units,
degrees, `\\left/\\right`, `\\dfrac`, `x=` prefixes and plain numbers."""

from __future__ import annotations

import re

from agent.answers.numbers import format_number, parse_number

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
_BOX_BARE = re.compile(r"\s+([^\s$]+)")
_COMMAND = re.compile(r"\\[a-zA-Z]+")
_ENVIRONMENT = re.compile(r"\\(?:begin|end)\s*\{[A-Za-z*]*\}")
_BARE_MAX_LEN = 200
_ROW_BREAK = "\x00"


def last_boxed(text: str) -> str | None:
    """The content of the last complete \\boxed{...} (or \\fbox{...}, or `\\boxed 5`)
    in `text`, with nested braces; None when there is none."""
    end = limit = len(text)
    while True:
        start = max(text.rfind(cmd, 0, end) for cmd in _BOX_COMMANDS)
        if start < 0:
            return None
        content, braced = _box_content(text, start, limit)
        if content is not None:
            return content.strip()
        if braced:  # open to the end: an earlier box can only close before this one starts
            limit = start
        end = start


def _box_content(text: str, start: int, limit: int) -> tuple[str | None, bool]:
    """(content, whether the box opens a brace); braces are matched up to `limit`."""
    i = text.find("{", start)
    cmd_end = start + (6 if text.startswith("\\boxed", start) else 5)
    if i < 0 or text[cmd_end:i].strip():
        m = _BOX_BARE.match(text, cmd_end)  # "\boxed 5"
        return (m.group(1) if m else None), False
    depth = 0
    for j in range(i, limit):
        c = text[j]
        if c == "{" and text[j - 1] != "\\":
            depth += 1
        elif c == "}" and text[j - 1] != "\\":
            depth -= 1
            if depth == 0:
                return text[i + 1:j], True
    return None, True  # unbalanced (truncated generation)


def strip_math_delimiters(s: str) -> str:
    s = s.strip()
    for left, right in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
        if s.startswith(left) and s.endswith(right) and len(s) >= len(left) + len(right):
            return s[len(left):len(s) - len(right)].strip()
    return s


def has_word(s: str, min_letters: int = 2) -> bool:
    """Whether `s` holds a run of `min_letters`+ letters outside LaTeX command names,
    environment names and \\text{...} ("x^2y" and "\\begin{pmatrix}1\\end{pmatrix}" do not)."""
    rest = _COMMAND.sub(" ", _ENVIRONMENT.sub(" ", _TEXT_CMD.sub(" ", s)))
    return re.search(f"[A-Za-z]{{{min_letters},}}", rest) is not None


def is_bare_math(text: str) -> bool:
    """Whether `text` as a whole is one math answer, not prose: one line, no \\boxed, at
    most one `=`, no word of two or more letters (see `has_word`): "2\\sqrt{3}", "$x^2-1$",
    "\\left( 1, 2 \\right)" and "10\\text{ cm}" are bare; "I do not know." and "3 eggs" are not."""
    s = strip_math_delimiters(text.strip()) if isinstance(text, str) else ""
    if (not s or len(s) > _BARE_MAX_LEN or "\n" in s or s.count("=") > 1
            or "$" in s.replace("\\$", "") or any(cmd in s for cmd in _BOX_COMMANDS)):
        return False
    return any(c.isalnum() for c in s) and not has_word(s)


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
    s = s.replace("\n", " ").replace("\\\\", _ROW_BREAK).strip()  # a matrix row break is no control space
    for a, b in (("\\!", ""), ("\\,", ""), ("\\;", ""), ("\\:", ""), ("\\ ", " "), ("~", " "),
                 ("\\dfrac", "\\frac"), ("\\tfrac", "\\frac"), ("\\displaystyle", ""),
                 ("\\left", ""), ("\\right", ""), ("\\bigl", ""), ("\\bigr", ""),
                 ("^{\\circ}", ""), ("^\\circ", ""), ("\\circ", ""), ("°", ""), ("\\degree", ""),
                 ("\\%", ""), ("%", ""), ("\\$", ""), ("$", ""), ("{,}", ","), ("\\le ", "\\leq "),
                 ("\\ge ", "\\geq ")):
        s = s.replace(a, b)
    s = s.replace(_ROW_BREAK, "\\\\").rstrip(" .")
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
