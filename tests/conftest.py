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


@pytest.fixture(scope="session")
def onnx_inception_graph(tmp_path_factory):
    """pytorch-fid's Inception exported to ONNX from the offline weights, once per session
    (the export is slow); skips where the weights are absent."""
    from pathlib import Path

    weights = (
        Path(__file__).resolve().parents[2]
        / "shared"
        / "weights"
        / "pt_inception-2015-12-05-6726825d.pth"
    )
    if not weights.is_file():
        pytest.skip(f"offline FID weights not found at {weights}")
    from ganrepro.evaluation.metrics import inception_onnx

    return inception_onnx.export_inception_onnx(
        weights, tmp_path_factory.mktemp("onnx") / "inception.onnx"
    )


@pytest.fixture
def tiny_data(tmp_path):
    """64 random 32x32 RGB images of two classes as a prepared split (train.npz): enough for
    a training segment of the train rule's script in a second."""
    import numpy as np
    from ganrepro.data import ImageArrays, save_arrays

    rng = np.random.default_rng(0)
    arrays = ImageArrays(
        images=rng.integers(0, 256, (64, 32, 32, 3), dtype=np.uint8),
        labels=np.arange(64) % 2,
        classes=["a", "b"],
    )
    path = tmp_path / "train.npz"
    save_arrays(path, arrays)
    return path
