"""Model text (untrusted) as safe HTML: markdown with raw HTML shown as text (markdown-it),
links only to http(s) and mailto (others stay text), images never fetched (their address
is shown), code highlighted (Pygments), LaTeX ($...$, $$...$$, \\(...\\), \\[...\\]) as MathML
(latex2mathml; the browser draws it, no script): its output is parsed again and only MathML
elements and presentation attributes are kept, anything else (a `\\text{<script>}`, which
latex2mathml passes through) falls back to the LaTeX source as text. A dollar between digits
is money, not math. `esc` for everything else that goes into a page."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from functools import lru_cache
from html import escape

from latex2mathml.converter import convert as latex_to_mathml
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.texmath import texmath_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer, get_lexer_by_name
from pygments.util import ClassNotFound

SAFE_SCHEMES = ("http://", "https://", "mailto:", "#")
MAX_RENDERED = 60_000
"""Longer texts are shown as plain preformatted text (markdown of a runaway reply is slow and useless)."""


def esc(value: object) -> str:
    return escape("" if value is None else str(value))


def code_html(code: str, lang: str = "python") -> str:
    """Highlighted code in a <pre> (Pygments escapes every token)."""
    try:
        lexer = get_lexer_by_name(lang or "text")
    except ClassNotFound:
        lexer = PythonLexer() if not lang else get_lexer_by_name("text")
    return highlight(code, lexer, HtmlFormatter(nowrap=False, cssclass="hl"))


def _fence(self, tokens, idx, options, env) -> str:
    tok = tokens[idx]
    return code_html(tok.content, tok.info.strip().split(" ")[0] if tok.info else "")


MATHML_TAGS = frozenset(
    "math mrow mi mn mo mtext mspace ms mfrac msqrt mroot msup msub msubsup mover munder munderover "
    "mtable mtr mtd mlabeledtr menclose mstyle mpadded mphantom merror semantics annotation mmultiscripts "
    "mprescripts none".split())
MATHML_ATTRS = frozenset(
    "display mathvariant mathsize mathcolor mathbackground displaystyle scriptlevel fence separator stretchy "
    "symmetric largeop movablelimits accent accentunder lspace rspace minsize maxsize width height depth "
    "columnalign rowalign columnspan rowspan columnlines rowlines frame notation linethickness form "
    "encoding".split())
NS = "{http://www.w3.org/1998/Math/MathML}"
DISPLAY_BRACKETS = re.compile(r"\\\[(.+?)\\\]", re.S)
FENCE = re.compile(r"(^```.*?^```[ \t]*$|^~~~.*?^~~~[ \t]*$)", re.S | re.M)


def _clean(element: ET.Element) -> bool:
    """True when `element` and everything under it is MathML with presentation attributes only."""
    tag = element.tag.removeprefix(NS)
    if tag not in MATHML_TAGS or any(k.removeprefix(NS) not in MATHML_ATTRS for k in element.attrib):
        return False
    return all(_clean(child) for child in element)


def math_html(latex: str, block: bool) -> str:
    """LaTeX as MathML, or (when it does not convert, or converts to anything but MathML) its source as text."""
    try:
        tree = ET.fromstring(latex_to_mathml(latex, display="block" if block else "inline"))
    except Exception:  # noqa: BLE001 - any LaTeX the converter cannot read is shown as source
        tree = None
    if tree is not None and _clean(tree):
        ET.register_namespace("", NS[1:-1])
        return ET.tostring(tree, encoding="unicode", short_empty_elements=False)
    source = f"$${latex}$$" if block else f"${latex}$"
    return f'<code class="tex">{esc(source)}</code>'


def _math_inline(self, tokens, idx, options, env) -> str:
    return math_html(tokens[idx].content, block=False)


def _math_display_inline(self, tokens, idx, options, env) -> str:
    return math_html(tokens[idx].content, block=True)


def _math_block(self, tokens, idx, options, env) -> str:
    return f'<div class="math">{math_html(tokens[idx].content.strip(), block=True)}</div>\n'


def _display_brackets_on_their_own(text: str) -> str:
    """`\\[ ... \\]` inside a paragraph made a block of its own (markdown reads it as a block only
    after a blank line); code fences left as they are."""
    parts = FENCE.split(text)
    return "".join(p if i % 2 else DISPLAY_BRACKETS.sub(lambda m: f"\n\n\\[\n{m.group(1).strip()}\n\\]\n\n", p)
                   for i, p in enumerate(parts))


def _image(self, tokens, idx, options, env) -> str:
    tok = tokens[idx]
    return f'<span class="noimg">[image: {esc(tok.content)} {esc(tok.attrGet("src"))}]</span>'


def _link_open(self, tokens, idx, options, env) -> str:
    href = str(tokens[idx].attrGet("href") or "")
    if not href.lower().startswith(SAFE_SCHEMES):
        return '<span class="badlink">'
    return f'<a href="{esc(href)}" rel="noopener noreferrer nofollow">'


def _link_close(self, tokens, idx, options, env) -> str:
    opening = next((t for t in reversed(tokens[:idx]) if t.type == "link_open"), None)
    href = str(opening.attrGet("href") or "") if opening is not None else ""
    return "</a>" if href.lower().startswith(SAFE_SCHEMES) else "</span>"


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False})
    md.use(dollarmath_plugin, allow_space=False, allow_digits=False, double_inline=True)
    md.use(texmath_plugin, delimiters="brackets")
    md.add_render_rule("math_inline", _math_inline)
    md.add_render_rule("math_inline_double", _math_display_inline)  # $$...$$ inside a paragraph
    for rule in ("math_block", "math_block_eqno", "math_block_label"):
        md.add_render_rule(rule, _math_block)
    md.add_render_rule("fence", _fence)
    md.add_render_rule("code_block", _fence)
    md.add_render_rule("image", _image)
    md.add_render_rule("link_open", _link_open)
    md.add_render_rule("link_close", _link_close)
    return md


def render_markdown(text: str | None) -> str:
    """A reply as HTML: markdown and code rendered; raw HTML, scripts and bad links as text."""
    if not text:
        return '<p class="empty">(empty)</p>'
    if len(text) > MAX_RENDERED:
        return f'<pre class="plain">{esc(text)}</pre>'
    return f'<div class="md">{_parser().render(_display_brackets_on_their_own(text))}</div>'


def plain(text: str | None) -> str:
    """Text exactly as it is (program output, prompts), preformatted."""
    return f'<pre class="plain">{esc(text or "")}</pre>'


def pygments_css() -> str:
    return HtmlFormatter(cssclass="hl", style="default").get_style_defs(".hl")
