"""The viewer over HTTP: the standard library's ThreadingHTTPServer (no dependency, nothing to
configure, enough for one person's browser on 127.0.0.1), GET and HEAD of the site's pages
only; every answer carries the same content security policy as the pages themselves."""

from __future__ import annotations

import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

from playground.view.layout import CSP
from playground.view.site import Site


class ViewHandler(BaseHTTPRequestHandler):
    site: Site
    server_version = "playground-view"

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        self._answer(body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(body=False)

    def _answer(self, body: bool) -> None:
        url = urlsplit(self.path)
        try:
            found = self.site.render(unquote(url.path).lstrip("/"), dict(parse_qsl(url.query)))
        except Exception as e:  # noqa: BLE001 - one page failing (a store mid-write) is a 500, not a dead server
            self.log_error("%s: %r", self.path, e)
            found, status = ("text/plain; charset=utf-8", f"cannot show this page: {e}\n".encode()), 500
        else:
            status = 200 if found else 404
            found = found or ("text/plain; charset=utf-8", b"not found\n")
        kind, data = found
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if body:
            self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's name
        if self.server.verbose:  # type: ignore[attr-defined]
            sys.stderr.write("view: " + format % args + "\n")


def make_server(site: Site, host: str = "127.0.0.1", port: int = 0, verbose: bool = False) -> ThreadingHTTPServer:
    """A server bound to host:port (port 0: any free one; `server.server_address` tells which)."""
    handler = type("Handler", (ViewHandler,), {"site": site})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    server.verbose = verbose  # type: ignore[attr-defined]
    return server


def url_of(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{f'[{host}]' if ':' in str(host) else host}:{port}/"
