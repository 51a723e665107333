"""Adapter shapes, the 1.1 adapter's size, and encoder hidden-state selection."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from omnifusion.adapters import (
    AdapterConfig,
    LayerMixAdapter,
    TransformerAdapter,
    build_adapter,
    count_parameters,
)
from omnifusion.encoders import EncoderConfig, load_encoder
from omnifusion.runtime import ModelDirectoryError, OmniFusionError


@pytest.mark.parametrize("kind", ["linear", "mlp", "transformer"])
def test_single_encoder_adapters_map_each_token_into_llm_width(kind: str) -> None:
    adapter = build_adapter(AdapterConfig(kind=kind, visual_dims=(24,), llm_dim=40, feedforward_dim=32))
    features = torch.randn(3, 2, 9, 24)  # batch 3, two layers given, 9 patches
    assert adapter([features]).shape == (3, 9, 40)
    # a single layer without the layer axis works too
    assert adapter([features[:, 0]]).shape == (3, 9, 40)


def test_layer_mix_adapter_sums_two_encoders_layer_by_layer() -> None:
    config = AdapterConfig(kind="layer_mix", visual_dims=(24, 16), llm_dim=40, mix_dim=20)
    adapter = build_adapter(config)
    assert isinstance(adapter, LayerMixAdapter)
    clip, dino = torch.randn(2, 3, 16, 24), torch.randn(2, 3, 16, 16)
    assert adapter([clip, dino]).shape == (2, 16, 40)
    # DINOv2 at another resolution: its square grid is resampled onto CLIP's
    assert adapter([clip, torch.randn(2, 3, 25, 16)]).shape == (2, 16, 40)
    with pytest.raises(OmniFusionError, match="pairs layers"):
        adapter([clip, torch.randn(2, 2, 16, 16)])
    # one map per encoder, shared by all layers: parameters do not grow with the number of layers
    assert count_parameters(adapter) == (24 * 20 + 20) + (16 * 20 + 20) + (20 * 40 + 40)


def test_release_adapter_at_full_size_has_the_published_parameter_count() -> None:
    with torch.device("meta"):
        adapter = build_adapter(AdapterConfig())
    assert isinstance(adapter, TransformerAdapter)
    # attention 4*1024^2 + 4*1024, feed-forward 2*1024*2048 + 2048 + 1024, two norms, linear 1024*4096 + 4096
    expected = (
        (4 * 1024 * 1024 + 4 * 1024) + (2 * 1024 * 2048 + 2048 + 1024) + 4 * 1024 + (1024 * 4096 + 4096)
    )
    assert count_parameters(adapter) == expected == 12_598_272
    assert abs(count_parameters(adapter) * 2 / 1e6 - 25.2) < 0.1  # bf16 megabytes, as published
    with torch.device("meta"):
        out = adapter([torch.empty(1, 1, 576, 1024)])
    assert out.shape == (1, 576, 4096)
    keys = set(adapter.state_dict())
    assert {"linear.weight", "linear.bias", "transformer_layer.self_attn.in_proj_weight"} <= keys


def test_bad_adapter_configs_are_refused() -> None:
    with pytest.raises(OmniFusionError, match="adapter kind"):
        AdapterConfig(kind="qformer")
    with pytest.raises(OmniFusionError, match="takes 2 encoder"):
        AdapterConfig(kind="layer_mix", visual_dims=(1024,))


def test_clip_encoder_returns_penultimate_patch_tokens(tiny: Any) -> None:
    from PIL import Image

    encoder = load_encoder(EncoderConfig(kind="clip", path=str(tiny.clip), layers=(-2, -1)))
    side = tiny.image_size
    pixels = encoder.preprocess([Image.new("RGB", (side, side), "red"), Image.new("RGB", (50, 10))])
    assert pixels.shape == (2, 3, side, side)
    features = encoder(pixels)
    assert features.shape == (2, 2, tiny.tokens_per_view, tiny.visual_dim)  # CLS dropped
    hidden = encoder.all_hidden_states(pixels)
    assert torch.equal(features[:, 0], hidden[-2][:, 1:])
    assert not any(p.requires_grad for p in encoder.parameters())


def test_encoder_refuses_hub_names() -> None:
    with pytest.raises(ModelDirectoryError, match="local directory"):
        load_encoder(EncoderConfig(kind="clip", path="openai/clip-vit-large-patch14-336"))
