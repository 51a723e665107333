"""Adapters that map vision-tower features into the language model's token-embedding space."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import torch
from torch import nn
from torch.nn import functional as F

from omnifusion.runtime import JsonConfig, OmniFusionError

ADAPTER_KINDS = ("linear", "mlp", "transformer", "layer_mix")


@dataclass(frozen=True)
class AdapterConfig(JsonConfig):
    """Adapter shape. ``visual_dims`` holds one width per encoder (two for ``layer_mix``).

    The defaults of ``transformer`` are the released OmniFusion 1.1 ``VisualToGPTMapping``: one
    post-norm ``nn.TransformerEncoderLayer(1024, 4 heads, feed-forward 2048, ReLU)`` then
    ``nn.Linear(1024, 4096)``.
    """

    what: ClassVar[str] = "adapter"

    kind: str = "transformer"
    visual_dims: tuple[int, ...] = (1024,)
    llm_dim: int = 4096
    num_heads: int = 4
    feedforward_dim: int = 2048
    dropout: float = 0.1
    norm_first: bool = False
    hidden_dim: int | None = None  # mlp: width of the hidden layer (defaults to llm_dim)
    mix_dim: int = 1024  # layer_mix: the common width both encoders are mapped into

    def __post_init__(self) -> None:
        if self.kind not in ADAPTER_KINDS:
            raise OmniFusionError(
                f"adapter kind must be one of {', '.join(ADAPTER_KINDS)}, got {self.kind!r}"
            )
        expected = 2 if self.kind == "layer_mix" else 1
        if len(self.visual_dims) != expected:
            raise OmniFusionError(
                f"a {self.kind} adapter takes {expected} encoder(s), got visual_dims={self.visual_dims}"
            )


class Adapter(nn.Module):
    """Maps features of one or two encoders to LLM-space tokens.

    ``forward(features)`` takes one tensor per encoder, each (batch, n_layers, patches, width), and
    returns (batch, patches, llm_dim). Single-encoder adapters use the last of the given layers.
    """

    config: AdapterConfig

    def _single(self, features: Sequence[torch.Tensor]) -> torch.Tensor:
        if len(features) != 1:
            raise OmniFusionError(f"a {self.config.kind} adapter takes one encoder, got {len(features)}")
        x = features[0]
        return x[:, -1] if x.dim() == 4 else x


class LinearAdapter(Adapter):
    """One linear map per token: (batch, patches, width) -> (batch, patches, llm_dim)."""

    def __init__(self, config: AdapterConfig) -> None:
        super().__init__()
        self.config = config
        self.linear = nn.Linear(config.visual_dims[0], config.llm_dim)

    def forward(self, features: Sequence[torch.Tensor]) -> torch.Tensor:
        return self.linear(self._single(features))


class MLPAdapter(Adapter):
    """LLaVA-1.5-style projector: linear, GELU, linear."""

    def __init__(self, config: AdapterConfig) -> None:
        super().__init__()
        self.config = config
        hidden = config.hidden_dim or config.llm_dim
        self.linear_1 = nn.Linear(config.visual_dims[0], hidden)
        self.act = nn.GELU()
        self.linear_2 = nn.Linear(hidden, config.llm_dim)

    def forward(self, features: Sequence[torch.Tensor]) -> torch.Tensor:
        return self.linear_2(self.act(self.linear_1(self._single(features))))


class TransformerAdapter(Adapter):
    """The released ``VisualToGPTMapping`` shape; state-dict keys ``transformer_layer.*``, ``linear.*``."""

    def __init__(self, config: AdapterConfig) -> None:
        super().__init__()
        self.config = config
        width = config.visual_dims[0]
        self.transformer_layer = nn.TransformerEncoderLayer(
            d_model=width,
            nhead=config.num_heads,
            dim_feedforward=config.feedforward_dim,
            dropout=config.dropout,
            norm_first=config.norm_first,
            batch_first=True,
        )
        self.linear = nn.Linear(width, config.llm_dim)

    def forward(self, features: Sequence[torch.Tensor]) -> torch.Tensor:
        return self.linear(self.transformer_layer(self._single(features)))


def match_token_grid(features: torch.Tensor, n_tokens: int) -> torch.Tensor:
    """Resample square patch grids so two encoders line up token for token.

    features (batch, n_layers, patches, width) -> (batch, n_layers, n_tokens, width).
    """
    batch, layers, patches, width = features.shape
    if patches == n_tokens:
        return features
    side, target = math.isqrt(patches), math.isqrt(n_tokens)
    if side * side != patches or target * target != n_tokens:
        raise OmniFusionError(
            f"cannot align {patches} tokens with {n_tokens}: both encoders need square patch grids"
        )
    grid = features.reshape(batch * layers, side, side, width).permute(0, 3, 1, 2)
    grid = F.interpolate(grid, size=(target, target), mode="bilinear", align_corners=False)
    return grid.permute(0, 2, 3, 1).reshape(batch, layers, n_tokens, width)


class LayerMixAdapter(Adapter):
    """Layer-wise mix of two encoders (OmniFusion's CLIP + DINOv2 variant).

    Layer l of each encoder goes through that encoder's linear map into ``mix_dim`` (one map per
    encoder, shared across layers); the two are summed, passed through GELU, averaged over layers and
    mapped into the LLM width by one more linear layer.
    """

    def __init__(self, config: AdapterConfig) -> None:
        super().__init__()
        self.config = config
        self.encoder_maps = nn.ModuleList(nn.Linear(dim, config.mix_dim) for dim in config.visual_dims)
        self.act = nn.GELU()
        self.linear = nn.Linear(config.mix_dim, config.llm_dim)

    def forward(self, features: Sequence[torch.Tensor]) -> torch.Tensor:
        if len(features) != 2:
            raise OmniFusionError(f"a layer_mix adapter takes two encoders, got {len(features)}")
        first, second = features
        if first.shape[1] != second.shape[1]:
            raise OmniFusionError(
                f"layer_mix pairs layers: the encoders give {first.shape[1]} and {second.shape[1]} layers"
            )
        second = match_token_grid(second, first.shape[2])
        mixed = self.act(self.encoder_maps[0](first) + self.encoder_maps[1](second))
        return self.linear(mixed.mean(dim=1))


_ADAPTERS: dict[str, type[Adapter]] = {
    "linear": LinearAdapter,
    "mlp": MLPAdapter,
    "transformer": TransformerAdapter,
    "layer_mix": LayerMixAdapter,
}


def build_adapter(config: AdapterConfig) -> Adapter:
    """A freshly initialised adapter of the configured kind."""
    return _ADAPTERS[config.kind](config)


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
