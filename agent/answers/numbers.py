"""Numbers in model answers: parse them exactly and write them one canonical way.

Canonical form (what `normalize_number` returns): the exact value as a string.
Integers as digits ("18.00" -> "18", "1,234" -> "1234"); values with a
terminating decimal expansion as decimals ("3/4" -> "0.75", "1 1/2" -> "1.5",
"2.50" -> "2.5"); other rationals as a reduced fraction ("4/6" -> "2/3").
Currency signs and unit words are dropped ("$5" -> "5", "12 cm" -> "12").
Percent signs are dropped and the number kept ("50%" -> "50", not "0.5"):
GSM8K-style gold answers for percentage questions are written without the sign.
Anything that is not one number (an expression, two numbers, prose) gives None.
"""

from __future__ import annotations

import re
from fractions import Fraction

_MAX_LEN = 200
_CURRENCY = r"(?:\\?\$|€|£|¥|₹|USD|usd|EUR|eur|Rs\.?|INR)"
_DECIMAL = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+"
_NUMBER_CORE = (
    rf"(?P<mixed_whole>\d+)\s+(?P<mixed_num>\d+)\s*/\s*(?P<mixed_den>\d+)"
    rf"|\\[dt]?frac\{{\s*(?P<tex_num>-?{_DECIMAL})\s*\}}\{{\s*(?P<tex_den>{_DECIMAL})\s*\}}"
    rf"|\\[dt]?frac(?P<tex_short_num>\d)(?P<tex_short_den>\d)"
    rf"|(?P<frac_num>{_DECIMAL})\s*/\s*(?P<frac_den>{_DECIMAL})"
    rf"|(?P<dec>{_DECIMAL})(?:\s*(?:[eE](?P<exp>[-+]?\d+)|(?:\\times|×|x)\s*10\^\{{?(?P<exp10>[-+]?\d+)\}}?))?"
)
_UNIT_WORD = r"[A-Za-z°'’]+\.?(?:\^\{?[23]\}?|[²³])?"
_UNIT = rf"(?:{_UNIT_WORD}(?:(?:\s*/\s*|\s+|-){_UNIT_WORD})*)?"
_NUMBER_RE = re.compile(
    rf"^(?P<sign>[-−–+]|negative\s+|minus\s+)?\s*{_CURRENCY}?\s*(?P<sign2>[-−–])?\s*(?:{_NUMBER_CORE})"
    rf"\s*(?P<pct>%|percent\b|per\s*cent\b)?\s*(?P<unit>{_UNIT})$",
    re.IGNORECASE,
)
_LATEX_WRAPPERS = re.compile(r"\\(?:text|textbf|mathrm|mbox|mathbf|textrm)\s*\{([^{}]*)\}")
_VAR_PREFIX = re.compile(r"^[A-Za-z]\w{0,2}\s*=\s*")
_GLUED_VARIABLE = re.compile(r"[a-fi-kn-rt-z](?:\^\{?\d+\}?)?")
"""A lowercase letter right after the digits ("2x", "3y^2") is a variable, not a unit
(g, h, l, m, s stay units: "5m", "2h")."""
_UNIT_STOP = {"of", "more", "less", "times", "than", "or", "and", "plus", "minus", "over", "divided",
              "to", "is", "are", "was", "were", "not", "by", "from", "per"}

_ONES = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen".split())}
_TENS = {w: 10 * (i + 2) for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9}


def _clean(s: str) -> str:
    s = s.strip()
    if "\\" in s or "$" in s or "{" in s:
        s = _LATEX_WRAPPERS.sub(r" \1", s)
        for a, b in (("\\left", ""), ("\\right", ""), ("\\!", ""), ("\\,", ""), ("\\;", ""), ("{,}", ","),
                     ("\\%", "%"), ("^\\circ", ""), ("^{\\circ}", ""), ("\\circ", ""), ("\\displaystyle", ""),
                     ("\\(", ""), ("\\)", ""), ("\\[", ""), ("\\]", "")):
            s = s.replace(a, b)
        s = s.strip()
        if len(s) >= 2 and s[0] == "$" and s[-1] == "$" and s.count("$") == 2:
            s = s[1:-1]
        elif s.endswith("$") and s.count("$") == 1:
            s = s[:-1]
    s = s.replace("°", "").replace("**", "").strip()
    s = s.rstrip(".,;:!?").strip()
    return _VAR_PREFIX.sub("", s)


def _decimal(s: str) -> Fraction:
    return Fraction(s.replace(",", ""))


def parse_number(s: str) -> Fraction | None:
    """The exact value of `s` when it is one number (with optional sign, currency,
    percent, units, LaTeX fraction, mixed number, words), else None."""
    if not s or len(s) > _MAX_LEN:
        return None
    s = _clean(s)
    m = _NUMBER_RE.match(s)
    if m is None:
        return _parse_words(s)
    unit = m.group("unit")
    if unit and unit.split()[0].lower().strip(".") in _UNIT_STOP:
        return None
    if unit and _GLUED_VARIABLE.fullmatch(unit) and not s[m.start("unit") - 1].isspace():
        return None
    g = m.groupdict()
    try:
        if g["mixed_whole"] is not None:
            if int(g["mixed_den"]) == 0:
                return None
            value = int(g["mixed_whole"]) + Fraction(int(g["mixed_num"]), int(g["mixed_den"]))
        elif g["tex_num"] is not None:
            value = _decimal(g["tex_num"]) / _decimal(g["tex_den"])
        elif g["tex_short_num"] is not None:
            value = Fraction(int(g["tex_short_num"]), int(g["tex_short_den"]))
        elif g["frac_num"] is not None:
            value = _decimal(g["frac_num"]) / _decimal(g["frac_den"])
        else:
            value = _decimal(g["dec"])
            exp = g["exp"] or g["exp10"]
            if exp is not None:
                if abs(int(exp)) > 50:
                    return None
                value *= Fraction(10) ** int(exp)
    except (ZeroDivisionError, ValueError):
        return None
    negatives = sum(1 for k in ("sign", "sign2") if g[k] and g[k].strip().lower() not in ("+",))
    return -value if negatives % 2 else value


def _parse_words(s: str) -> Fraction | None:
    """English number words at the start of `s` ("twenty-five", "one hundred and five"),
    optionally followed by up to two unit words ("eighteen dollars"). Otherwise None."""
    words = re.split(r"[\s-]+", s.lower().strip())
    negative = words[:1] in (["negative"], ["minus"])
    if negative:
        words = words[1:]
    total, current, used, seen_number = 0, 0, 0, False
    for w in words:
        if w in _ONES:
            current += _ONES[w]
        elif w in _TENS:
            current += _TENS[w]
        elif w == "hundred" and seen_number:
            current = max(current, 1) * 100
        elif w in _SCALES and seen_number:
            total += max(current, 1) * _SCALES[w]
            current = 0
        elif w == "and" and seen_number:
            pass
        else:
            break
        seen_number = seen_number or w != "and"
        used += 1
    if not seen_number:
        return None
    if words[used - 1] == "and":
        used -= 1
    rest = [w for w in words[used:] if w]
    if len(rest) > 2 or (rest and (rest[0] in _UNIT_STOP or not all(w.isalpha() for w in rest))):
        return None
    value = Fraction(total + current)
    return -value if negative else value


def format_number(value: Fraction) -> str:
    """Canonical text of an exact value: integer, terminating decimal, or reduced p/q."""
    if value.denominator == 1:
        return str(value.numerator)
    den, k = value.denominator, 0
    while den % 10 == 0:
        den //= 10
        k += 1
    while den % 2 == 0 or den % 5 == 0:
        den //= 2 if den % 2 == 0 else 5
        k += 1
    if den != 1 or k > 30:
        return f"{value.numerator}/{value.denominator}"
    scaled = abs(value.numerator) * 10**k // value.denominator
    digits = str(scaled).rjust(k + 1, "0")
    text = f"{digits[:-k]}.{digits[-k:]}".rstrip("0").rstrip(".")
    return f"-{text}" if value < 0 else text


def normalize_number(s: str) -> str | None:
    """`s` as one canonical number string (see the module doc), or None if it is not one number."""
    value = parse_number(s)
    return None if value is None else format_number(value)


_NUMBER_TOKEN = re.compile(
    r"(?P<minus>[-−])?(?<![\w.,/])"
    r"(?P<num>\\[dt]?frac\{-?\d+(?:\.\d+)?\}\{\d+(?:\.\d+)?\}"
    r"|\d+\s+\d+/\d+(?![\d/])"
    r"|(?:\d{1,3}(?:,\d{3})+(?![\d])|\d+)(?:\.\d+)?(?:/\d+(?![\d/]))?)"
)


def number_token_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, number) of every number written in `text`, in order. A minus
    sign counts only when it does not follow an operand: "16 - 3" and "x-3" give 3,
    "owes -5" and "(-2)" give negatives; `start` is where the digits (or \\frac) begin."""
    out = []
    for m in _NUMBER_TOKEN.finditer(text):
        num = m.group("num")
        if m.group("minus"):
            before = text[: m.start()].rstrip()[-1:]
            attached = m.start() > 0 and text[m.start() - 1].isalpha()
            if not (before.isdigit() or (before and before in ")]}") or attached):
                num = "-" + num
        out.append((m.start("num"), m.end(), num))
    return out


def number_tokens(text: str) -> list[str]:
    """Every number written in `text`, in order (see `number_token_spans`)."""
    return [num for _, _, num in number_token_spans(text)]
