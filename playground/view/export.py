"""The viewer as a static site: every page the server would answer, written under one folder
with the same relative links, so `OUT/index.html` opens from disk (file://) with no server."""

from __future__ import annotations

from pathlib import Path

from playground.view.site import Site


def export(site: Site, out: Path) -> int:
    """Write every page of `site` under `out`; the number of files written."""
    site.refs()
    count = 0
    for address in dict.fromkeys(site.addresses()):
        found = site.render(address)
        if found is None:
            continue
        target = out / address
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(found[1])
        count += 1
    return count
