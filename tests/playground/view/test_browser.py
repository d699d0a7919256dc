"""The viewer in a real browser (the system's chromium, headless): model text holding markup
stays text after the browser parsed the page, the page's own script runs under its content
security policy (filter and sort from the address), and the static export opens from disk
with every link inside it resolving to a file it wrote."""

from __future__ import annotations

import re
from pathlib import Path

from playground.cli import main
from playground.view.site import Site
from tests.playground.view.conftest import dump_dom

SCRIPT_TAG = re.compile(r"<script\b", re.I)


def keys(runs: Path) -> dict[str, str]:
    return {r.label: r.key for r in Site([runs]).refs()}


def only_our_script(dom: str) -> None:
    """The one script element is the viewer's own; no element came out of model text."""
    assert len(SCRIPT_TAG.findall(dom)) == 1 and 'src="' in dom and "view.js" in dom
    assert '<img src="x"' not in dom and "onerror=" not in dom.replace("onerror=alert(1)&gt;", "")
    assert 'href="javascript:' not in dom


def test_model_markup_stays_text_in_the_browser(server, runs, chromium):
    k = keys(runs)
    sample = dump_dom(chromium, f"{server}e/{k['ev-direct']}/s/apples.html")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in sample  # shown, as text
    only_our_script(sample)
    agent = dump_dom(chromium, f"{server}a/{k['agent.transcript.json']}/index.html")
    assert "saved &lt;img src=x onerror=alert(1)&gt;" in agent
    only_our_script(agent)


def test_latex_in_a_reply_is_drawn_as_mathml(server, runs, chromium):
    dom = dump_dom(chromium, f"{server}e/{keys(runs)['ev-direct']}/s/pears.html")
    assert "<math" in dom and "<mfrac><mrow><mn>14</mn></mrow><mrow><mn>2</mn></mrow></mfrac>" in dom


def test_filter_and_sort_from_the_address_run_in_the_browser(server, runs, chromium):
    page = f"{server}e/{keys(runs)['ev-direct']}/index.html"
    dom = dump_dom(chromium, page + "#q=pears")
    assert '<body class="js">' in dom  # the script ran under the page's policy
    assert 'data-shown="1"' in dom
    rows = re.findall(r"<tr( hidden=\"\")?>(.*?)</tr>", dom, re.S)
    shown = [row for hidden, row in rows if not hidden and 'href="s/' in row]
    assert len(shown) == 1 and "pears" in shown[0]
    dom = dump_dom(chromium, page + "#sort=0&desc=1")
    assert 'data-sorted="0 desc"' in dom


def test_export_opens_from_disk_with_every_link_inside(runs, tmp_path, chromium):
    out = tmp_path / "site"
    assert main(["view", str(runs), "--export", str(out)]) == 0
    pages = sorted(out.rglob("*.html"))
    assert len(pages) > 20
    for page in pages:
        for href in re.findall(r'(?:href|src)="([^"]+)"', page.read_text()):
            href = re.split(r"[#?]", href)[0]
            if not href or re.match(r"[a-z]+:", href):  # a fragment, a data: image, an outside link
                continue
            assert (page.parent / href).resolve().is_file(), f"{page.relative_to(out)} links to missing {href}"
    dom = dump_dom(chromium, (out / "index.html").as_uri())
    assert '<body class="js">' in dom and "ev-direct" in dom and "cmp" in dom
    k = keys(runs)
    study = dump_dom(chromium, (out / "c" / k["cmp"] / "index.html").as_uri())
    assert "<svg" in study and "Revision transitions" in study
