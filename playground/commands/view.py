"""`playground view`: a local web viewer of the runs under some folders (eval runs, compare
studies, agent transcripts), or the same pages written as a static site (--export)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from agent.errors import UsageError
from playground.options import non_negative_int, output_folder
from playground.view.export import export
from playground.view.server import make_server, url_of
from playground.view.site import Site

HELP = "look at your runs in a browser (eval runs, compare studies, agent runs), or export them as a static site"
DESCRIPTION = """Serve every run found under the folders given (default: this folder) on a local web page:
eval runs (manifest, the sample table with filters, search and sort, every attempt of a sample),
compare studies (the curves, the questions behind a point, where two strategies disagree, the
revision transitions), two eval runs on the same data side by side, and agent runs (each step's
reply, code, output and figures). Everything is read from the files the playground writes,
nothing is written into them; a run in progress shows what it has on reload. No request leaves
the machine: the pages load nothing from elsewhere.

examples:
  playground view                       # the runs under this folder, on http://127.0.0.1:8765/
  playground view runs/ results/ --port 9000
  playground view runs/ --export site/  # a static copy: open site/index.html from disk
"""
DEFAULT_PORT = 8765


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dirs", nargs="*", default=["."], metavar="DIR", help="folders to look for runs in (default .)")
    parser.add_argument("--port", type=non_negative_int, default=DEFAULT_PORT,
                        help=f"port to listen on (default {DEFAULT_PORT}; 0: any free port)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this machine only)")
    parser.add_argument("--export", type=output_folder, metavar="OUT", help="write the pages as a static site in folder OUT and exit")
    parser.add_argument("--verbose", action="store_true", help="log every request on stderr")


def check(args: argparse.Namespace) -> None:
    for d in args.dirs:
        if not Path(d).is_dir():
            raise UsageError(f"'{d}' is not a folder" if Path(d).exists() else f"folder '{d}' does not exist")
    if args.port > 65535:
        raise UsageError(f"--port {args.port}: expected a whole number from 0 to 65535")


def main(args: argparse.Namespace) -> int:
    site = Site([Path(d) for d in args.dirs])
    if args.export is not None:
        out = args.export
        count = export(site, out)
        print(f"wrote {count} files for {len(site.refs(refresh=False))} runs: open {(out / 'index.html').resolve()}")
        return 0
    try:
        server = make_server(site, args.host, args.port, verbose=args.verbose)
    except OSError as e:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {e.strerror or e}") from None
    print(f"playground view: {len(site.refs())} runs under {', '.join(args.dirs)} at {url_of(server)} "
          "(Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        sys.stderr.write("playground view: stopped\n")
    finally:
        server.server_close()
    return 0
