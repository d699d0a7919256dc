"""The frame of every page: one HTML document with its content security policy (no inline
script, nothing from another origin), the stylesheet and the one script, breadcrumbs; and
the small pieces pages are made of (links, tables, numbers, names safe in a path). Pages
link relatively (`root` leads back to the site's top), so the same HTML serves from the
server and opens from disk."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from playground.view.markup import esc

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "form-action 'self'; base-uri 'none'")
STATUS_LABELS = {"correct": "correct", "incorrect": "incorrect", "no_answer": "no answer", "error": "error",
                 "pending": "pending", "all": "all"}


def page(title: str, body: str, *, root: str, crumbs: Sequence[tuple[str, str]] = ()) -> str:
    nav = " / ".join([f'<a href="{root}index.html">runs</a>',
                      *(f'<a href="{esc(href)}">{esc(text)}</a>' if href else esc(text) for text, href in crumbs)])
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} · playground view</title>
<link rel="stylesheet" href="{root}static/view.css">
<script src="{root}static/view.js" defer></script>
</head><body>
<nav class="crumbs">{nav}</nav>
<main>
<h1>{esc(title)}</h1>
{body}
</main>
</body></html>
"""


def safe_name(text: str) -> str:
    """`text` as one path segment that is the same on disk and in an address: letters, digits,
    '_', '-', '.' kept, everything else as ~XX (UTF-8 bytes)."""
    out = []
    for ch in str(text):
        if re.match(r"[A-Za-z0-9_\-]", ch) or (ch == "." and out):
            out.append(ch)
        else:
            out.extend(f"~{b:02X}" for b in ch.encode("utf-8"))
    return "".join(out) or "~"


def unsafe_name(segment: str) -> str:
    data = bytearray()
    i = 0
    while i < len(segment):
        if segment[i] == "~" and i + 2 < len(segment) and re.match(r"[0-9A-F]{2}", segment[i + 1:i + 3]):
            data.append(int(segment[i + 1:i + 3], 16))
            i += 3
        else:
            data.extend(segment[i].encode("utf-8"))
            i += 1
    return data.decode("utf-8", errors="replace")


def link(href: str, text: object, cls: str = "") -> str:
    return f'<a href="{esc(href)}"{f" class={cls!r}" if cls else ""}>{esc(text)}</a>'


def pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def signed(x: float) -> str:
    return f"{100 * x:+.1f}%"


def status_badge(status: str) -> str:
    return f'<span class="badge {esc(status)}">{esc(STATUS_LABELS.get(status, status))}</span>'


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], *, cls: str = "", sortable: bool = False,
          attrs: str = "") -> str:
    """Cells are HTML already (escape what comes from a run). `sortable`: the script sorts by a header's column."""
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "\n".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    classes = " ".join(c for c in (cls, "sortable" if sortable else "") if c)
    return (f'<table class="{classes}"{attrs}><thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody></table>')


def facts(pairs: Iterable[tuple[str, object]]) -> str:
    """A two-column table of names and values (values escaped)."""
    rows = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in pairs if v not in (None, ""))
    return f'<table class="facts">{rows}</table>'


def joined(sep: str, *values: object) -> str:
    """The values that are set, as text, between `sep` ("cot / single"; a code task's missing method left out)."""
    return sep.join(str(v) for v in values if v)


def short(text: str | None, n: int = 120) -> str:
    t = " ".join((text or "").split())
    return t if len(t) <= n else t[: n - 1] + "…"
