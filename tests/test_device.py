"""What a run's log says about the kernels it trained with."""

from __future__ import annotations

import os
import subprocess
import sys

import torch
from ganrepro.device import kernels


def _kernels_with(capability: str) -> str:
    code = "import torch; from ganrepro.device import kernels; print(kernels(torch.device('cpu')))"
    env = {**os.environ, "ATEN_CPU_CAPABILITY": capability}
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_the_cpu_kernels_are_the_vector_set_torch_dispatches_to():
    assert kernels(torch.device("cpu")) == torch.backends.cpu.get_cpu_capability()
    # forcing torch's dispatch (as on a CPU without AVX2) is what the log then says
    assert _kernels_with("default") == "DEFAULT"
    assert kernels(torch.device("meta")) == "META"  # a device without kernels of its own
