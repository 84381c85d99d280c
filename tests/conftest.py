"""Shared fixtures."""

import functools
import http.server
import threading

import pytest


@pytest.fixture
def serve_dir(monkeypatch):
    """serve_dir(folder) -> "http://127.0.0.1:PORT/": a local HTTP server, so download code runs
    for real (urllib, checksums, extraction) without the internet."""
    for var in ("no_proxy", "NO_PROXY"):  # never send 127.0.0.1 through a configured proxy
        monkeypatch.setenv(var, "127.0.0.1,localhost")
    servers = []

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    def serve(folder):
        handler = functools.partial(QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()
