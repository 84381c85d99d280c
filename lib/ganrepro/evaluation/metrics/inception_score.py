"""Inception Score (Salimans et al. 2016): exp(E_x KL(p(y|x) || p(y))), higher is better.

The class probabilities come from the FID Inception network's 1008-way classifier. That layer is
a linear map of the pool3 features (torchvision's Inception3 ends avgpool → dropout (identity in
eval) → fc), so the logits are ``pool3 @ fc.weight.T``: IS is computed from the cached pool3
features that FID already has, plus the ``fc`` weights read from the same weights file, with no
Inception pass of its own. Like Salimans et al.'s code (which multiplies pool_3 by the weights of
``softmax/logits/MatMul``) and torch-fidelity's ``logits_unbiased``, the bias is not added.
``tests/evaluation/test_metrics_extra.py`` checks these logits against the full network's.

A weights file whose ``fc`` is missing or all zero (the offline copy in ../shared/weights: its
source network had no classifier) gives uniform p(y|x) and an IS of exactly 1 whatever the
images: ``classifier_status`` detects that, and callers record IS as unavailable instead of
reporting a number.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

FC_KEYS = ("fc.weight", "fc.bias")
N_CLASSES = 1008


def load_classifier(weights_path: str | os.PathLike) -> tuple[np.ndarray | None, str | None]:
    """(fc weight (1008, 2048), None) if the weights file has a usable classifier, else
    (None, reason). Reads only the state dict (memory-mapped), never builds the network."""
    path = Path(weights_path)
    state = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    if not isinstance(state, dict) or "fc.weight" not in state:
        return None, (
            f"{path.name} has no classifier layer (fc.weight), so there are no class "
            "probabilities p(y|x) to score"
        )
    weight = state["fc.weight"]
    if tuple(weight.shape)[0] != N_CLASSES:
        return None, f"{path.name}: fc.weight has shape {tuple(weight.shape)}, not ({N_CLASSES}, …)"
    if not torch.any(weight != 0):
        return None, (
            f"{path.name} has an all-zero classifier (fc): every image would get the uniform "
            "p(y|x) and an Inception Score of exactly 1, whatever the images. The offline copy "
            "of the FID weights was rebuilt from a network without its classifier (see "
            "../shared/weights/README.md); use pytorch-fid's original download "
            "(pt_inception-2015-12-05-6726825d.pth from its FID_WEIGHTS_URL) for IS"
        )
    return weight.double().numpy(), None


def classifier_status(weights_path: str | os.PathLike) -> str | None:
    """None if IS can be computed with this weights file, else the reason it cannot."""
    return load_classifier(weights_path)[1]


def logits_from_pool3(features: np.ndarray, fc_weight: np.ndarray) -> np.ndarray:
    """The classifier's logits (without bias, as in Salimans et al.) of pool3 features."""
    return np.asarray(features, dtype=np.float64) @ np.asarray(fc_weight, dtype=np.float64).T


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def inception_score(logits: np.ndarray, *, splits: int = 10, seed: int = 0) -> dict:
    """IS mean ± std over ``splits`` equal parts of the images, shuffled with ``seed`` first.

    Each part gets its own marginal p(y) and the std is over parts (np.std, as in Salimans et
    al.), so the score depends on the part size: IS from different numbers of images is not
    comparable. Refuses constant logits
    (a zero classifier), which would score exactly 1 whatever the images.
    """
    logits = np.asarray(logits, dtype=np.float64)
    if logits.ndim != 2 or len(logits) < splits or splits < 1:
        raise ValueError(
            f"need (N, classes) logits with N >= splits >= 1, got shape {logits.shape} and "
            f"{splits} splits"
        )
    if np.ptp(logits, axis=1).max() == 0 or np.ptp(logits, axis=0).max() == 0:
        raise ValueError(
            "the logits are constant across classes or identical for every image (a zero or "
            "missing classifier?): the Inception Score would be exactly 1 whatever the images; "
            "refusing to report it"
        )
    order = np.random.default_rng(seed).permutation(len(logits))
    log_p = _log_softmax(logits[order])
    scores = []
    for part in np.array_split(log_p, splits):
        p = np.exp(part)
        log_marginal = np.log(p.mean(axis=0))
        kl = (p * (part - log_marginal)).sum(axis=1)
        scores.append(float(np.exp(kl.mean())))
    return {
        "inception_score": float(np.mean(scores)),
        "inception_score_std": float(np.std(scores)),
        "splits": int(splits),
        "seed": int(seed),
        "n_images": len(logits),
    }
