"""Device and thread choice, made once at the edge (the script) and passed into lib.

Lib functions take a ``torch.device`` argument instead of guessing, so the same code runs on a GPU
workstation, a Mac and a 2-core CI runner, and a run's device is visible in its log.

torch is imported inside the functions, not here: a job that ends up on the CPU path of a
torch-free backend (FID features through ONNX Runtime) asks ``certainly_cpu`` first and never
pays for importing torch.
"""

from __future__ import annotations

import os
import platform
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

_CHOICES = ("auto", "cpu", "cuda", "mps")

# What torch needs to see a GPU: an NVIDIA driver (native or WSL2), ROCm's kernel driver, or
# Apple silicon for MPS. Without any of them torch.cuda.is_available() is False.
_ACCELERATOR_DRIVER_PATHS = (
    "/proc/driver/nvidia",
    "/dev/nvidiactl",
    "/dev/nvidia0",
    "/dev/kfd",
    "/dev/dxg",
    "/usr/lib/wsl/lib",
)


def certainly_cpu(name: str = "auto") -> bool:
    """Whether the device ``name`` resolves to the CPU, decided without importing torch.

    True for ``cpu``, and for ``auto`` on a machine with no GPU driver at all. False means "ask
    ``resolve_device``" (which imports torch), never "not the CPU".
    """
    text = str(name).strip().lower()
    if text == "cpu":
        return True
    if text != "auto" or platform.system() == "Darwin":
        return False
    return not any(os.path.exists(path) for path in _ACCELERATOR_DRIVER_PATHS)


def _mps_available() -> bool:
    import torch

    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def resolve_device(name: str = "auto") -> torch.device:
    """Turn a config value (``auto``, ``cpu``, ``cuda``, ``cuda:1``, ``mps``) into a device.

    ``auto`` prefers CUDA, then Apple's MPS, then the CPU. An explicitly requested accelerator that
    is not present is an error rather than a silent fall-back to the CPU: a run that was meant for a
    GPU and quietly takes many times longer (or gives slightly different numbers) is worse than a
    clear message at start-up.
    """
    import torch

    text = str(name).strip().lower()
    if text == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")

    try:
        device = torch.device(text)
    except RuntimeError as err:
        raise ValueError(
            f"unknown device {name!r}: use one of {', '.join(_CHOICES)} (or e.g. 'cuda:1')"
        ) from err

    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise RuntimeError(
                f"device {name!r} was requested but CUDA is not available on this machine "
                f"(torch {torch.__version__}, built with CUDA {torch.version.cuda}); "
                "set the device to 'auto' or 'cpu'."
            )
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise RuntimeError(
                f"device {name!r} was requested but only {torch.cuda.device_count()} CUDA "
                "device(s) are visible; pick an existing index, or set the device to 'auto'."
            )
    elif device.type == "mps":
        if not _mps_available():
            raise RuntimeError(
                f"device {name!r} was requested but Apple MPS is not available on this machine; "
                "set the device to 'auto' or 'cpu'."
            )
    elif device.type != "cpu":
        raise ValueError(f"unsupported device {name!r}: use one of {', '.join(_CHOICES)}")
    return device


def kernels(device: torch.device) -> str:
    """Which kernels a device runs: the CPU's vector instruction set as torch dispatches to it
    (AVX2, AVX512, ...), the GPU's name, or MPS. Floating-point sums differ between AVX2 and
    AVX-512 kernels, so the same run on two such CPUs follows two trajectories (findings,
    2026-12-08): a run's log says which it had."""
    import torch

    device = torch.device(device)
    if device.type == "cpu":
        return torch.backends.cpu.get_cpu_capability()
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return device.type.upper()


def configure_threads(n: int | None) -> None:
    """Set torch's intra-op thread count when ``n`` is given; ``None`` keeps torch's default.

    On shared machines torch's default (one thread per core) oversubscribes the CPU when several
    jobs run side by side, so the workflow passes each job's ``threads`` here.
    """
    if n is None:
        return
    import torch

    n = int(n)
    if n < 1:
        raise ValueError(f"thread count must be >= 1 (or None for torch's default), got {n}")
    torch.set_num_threads(n)


def configure_kernels(device: torch.device, exact_float32: bool) -> None:
    """Kernel choices on CUDA (nothing changes elsewhere).

    cuDNN benchmarks its convolution algorithms once per shape and keeps the fastest: a run's
    shapes never change, so every later step gains. ``exact_float32`` turns off TF32, which
    PyTorch enables by default for cuDNN convolutions on Ampere and newer GPUs: FID features
    must be float32 (reduced precision moves FID), training may use it.
    """
    import torch

    if torch.device(device).type != "cuda":
        return
    torch.backends.cudnn.benchmark = True
    if exact_float32:
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False
