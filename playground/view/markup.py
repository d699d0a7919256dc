"""Model text (untrusted) as safe HTML: markdown with raw HTML shown as text (markdown-it),
links only to http(s) and mailto (others stay text), images never fetched (their address
is shown), code highlighted (Pygments), LaTeX shown as its source in a code span (no
renderer is installed with the package; MathML through latex2mathml would be one more
dependency). Both libraries come with rich. `esc` for everything else that goes into a page."""

from __future__ import annotations

from functools import lru_cache
from html import escape

from markdown_it import MarkdownIt
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
    return f'<div class="md">{_parser().render(text)}</div>'


def plain(text: str | None) -> str:
    """Text exactly as it is (program output, prompts), preformatted."""
    return f'<pre class="plain">{esc(text or "")}</pre>'


def pygments_css() -> str:
    return HtmlFormatter(cssclass="hl", style="default").get_style_defs(".hl")
