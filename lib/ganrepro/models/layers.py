"""Layers and conventions shared by every family."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import spectral_norm


@dataclass
class DOutput:
    """What a discriminator returns.

    logits: (N,) real/fake score before any sigmoid (a critic value for Wasserstein losses).
    features: (N, F) an intermediate representation, used by feature matching.
    class_logits: (N, n_classes) for an auxiliary classifier (AC-GAN), else None.
    """

    logits: torch.Tensor
    features: torch.Tensor | None = None
    class_logits: torch.Tensor | None = None


def dcgan_init(module: nn.Module) -> None:
    """Radford et al.: conv weights ~ N(0, 0.02), BatchNorm weights ~ N(1, 0.02), biases 0."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, (nn.BatchNorm2d, nn.BatchNorm1d)) and module.affine:
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def _orthogonal(weight: torch.Tensor) -> None:
    # drawn into a contiguous tensor: orthogonal_ cannot view a channels-last weight
    weight.copy_(nn.init.orthogonal_(torch.empty(weight.shape, device=weight.device)))


@torch.no_grad()
def reinitialise(module: nn.Module, scheme: str) -> None:
    """Draw every convolution's and linear layer's weight anew by ``scheme`` (training setting
    `init`): "normal" leaves the family's own initialisation (N(0, 0.02)); "orthogonal" and
    "xavier" (uniform, gain 1) draw the raw weight of a spectrally normalised layer, whose
    power iteration then runs the 15 steps spectral_norm starts with, so its first sigma
    belongs to the new weight. Biases stay 0. Uses the global random stream, as building does.
    """
    if scheme == "normal":
        return
    draw = {"orthogonal": _orthogonal, "xavier": nn.init.xavier_uniform_}[scheme]
    normalised = []
    for layer in module.modules():
        if isinstance(layer, SN_TYPES):
            if parametrize.is_parametrized(layer, "weight"):
                draw(layer.parametrizations.weight.original)
                normalised.append(layer)
            else:
                draw(layer.weight)
    was_training = module.training
    module.train()
    for layer in normalised:
        for _ in range(15):
            layer.weight  # noqa: B018 - in training mode, each read runs one power iteration
    module.train(was_training)


def n_upsamplings(image_size: int) -> int:
    """Number of stride-2 stages between a 4x4 map and ``image_size`` (a power of two >= 8)."""
    n = (image_size // 4).bit_length() - 1
    if image_size < 8 or 4 * 2**n != image_size:
        raise ValueError(f"image_size must be a power of two >= 8, got {image_size}")
    return n


# -- normalisation and spectral norm ---------------------------------------------------------

D_NORMS = ("batch", "instance", "layer", "none")


def norm2d(kind: str, channels: int) -> nn.Module:
    """A discriminator's normalisation layer by name.

    "layer" normalises each sample over (C, H, W) with a per-channel affine (GroupNorm with one
    group), "instance" each channel of each sample: both keep samples independent, which the
    gradient penalty needs (it is a per-sample gradient); "batch" couples them.
    """
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "instance":
        return nn.InstanceNorm2d(channels, affine=True)
    if kind == "layer":
        return nn.GroupNorm(1, channels)
    if kind == "none":
        return nn.Identity()
    raise ValueError(f"unknown d_norm {kind!r}; choose one of {', '.join(D_NORMS)}")


SN_TYPES = (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)


def apply_spectral_norm(
    module: nn.Module, types: tuple[type[nn.Module], ...] = SN_TYPES
) -> nn.Module:
    """Spectrally normalise every layer of ``types`` in ``module`` (Miyato et al. 2018).

    Applied after initialisation: a parametrised layer's ``weight`` is computed from
    ``parametrizations.weight.original``, so initialising ``weight`` afterwards would be lost.
    Each forward pass in training mode runs one power iteration (u, v are buffers, saved with
    the state); in eval mode the stored u, v are used, so sampling is deterministic.
    """
    for m in list(module.modules()):
        if isinstance(m, types) and not parametrize.is_parametrized(m, "weight"):
            spectral_norm(m)
    return module


def spectral_norm_layers(module: nn.Module) -> list[nn.Module]:
    """The layers of ``module`` whose weight is spectrally normalised."""
    return [m for m in module.modules() if parametrize.is_parametrized(m, "weight")]


# -- attention and conditioning --------------------------------------------------------------


class SelfAttention(nn.Module):
    """SAGAN's self-attention block (Zhang et al. 2019).

    1x1 convolutions f (query), g (key) with C/8 channels and h (value) with C; the attention
    of position j over positions i is softmax_i(f(x_j) . g(x_i)), the output is
    x + gamma * sum_i beta[j, i] h(x_i). gamma starts at 0, so the block begins as the identity
    and the network learns how much non-local evidence to mix in.
    """

    def __init__(self, channels: int):
        super().__init__()
        inner = max(channels // 8, 1)
        self.f = nn.Conv2d(channels, inner, 1, bias=False)
        self.g = nn.Conv2d(channels, inner, 1, bias=False)
        self.h = nn.Conv2d(channels, channels, 1, bias=False)
        self.gamma = nn.Parameter(torch.zeros(()))

    def attention(self, x: torch.Tensor) -> torch.Tensor:
        """(N, HW, HW): row j is position j's distribution over positions i (rows sum to 1)."""
        q = self.f(x).flatten(2)  # (N, C/8, HW)
        k = self.g(x).flatten(2)
        return torch.softmax(q.transpose(1, 2) @ k, dim=-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        beta = self.attention(x)
        v = self.h(x).flatten(2)  # (N, C, HW)
        o = (v @ beta.transpose(1, 2)).view_as(x)  # o_j = sum_i beta[j, i] v_i
        return x + self.gamma * o


class ConditionalBatchNorm2d(nn.Module):
    """BatchNorm whose scale and shift are looked up by class (de Vries et al. 2017), as in
    the conditional generators of SAGAN and the projection-discriminator paper."""

    def __init__(self, channels: int, n_classes: int):
        super().__init__()
        self.bn = nn.BatchNorm2d(channels, affine=False)
        self.gain = nn.Embedding(n_classes, channels)
        self.bias = nn.Embedding(n_classes, channels)
        nn.init.ones_(self.gain.weight)  # starts as plain BatchNorm for every class
        nn.init.zeros_(self.bias.weight)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.gain(y)[:, :, None, None] * self.bn(x) + self.bias(y)[:, :, None, None]


class Projection(nn.Module):
    """The class term of the projection discriminator (Miyato & Koyama 2018):
    D(x, y) = psi(phi(x)) + <embed(y), phi(x)>; this module computes <embed(y), phi(x)>.

    The embedding starts small (N(0, 0.02), like every DCGAN weight), so D starts as its
    unconditional self: with a unit-scale embedding the class term of a BatchNorm D swamps the
    real/fake score at first and G gets no useful signal.
    """

    def __init__(self, features: int, n_classes: int, spectral: bool = False):
        super().__init__()
        self.embed = nn.Embedding(n_classes, features)
        nn.init.normal_(self.embed.weight, 0.0, 0.02)
        if spectral:
            spectral_norm(self.embed)

    def forward(self, phi: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return (self.embed(y) * phi).sum(1)


def require_labels(y: torch.Tensor | None, who: str) -> torch.Tensor:
    if y is None:
        raise ValueError(f"{who} is conditional: call it with class labels y (int64, shape (N,))")
    return y


def check_classes(model: str, n_classes: int, conditional: bool) -> None:
    """Conditional families need labels from >= 2 classes; unconditional ones must get none."""
    if conditional and n_classes < 2:
        raise ValueError(
            f"{model} is a conditional model and needs n_classes >= 2 (got {n_classes}); set "
            "conditional: true in the experiment and use a labelled dataset"
        )
    if not conditional and n_classes:
        raise ValueError(
            f"{model} is unconditional; set conditional: false or use a conditional model "
            "(cgan, cgan_projection, acgan, cwgan_gp, sagan_conditional)"
        )
