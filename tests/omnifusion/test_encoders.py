"""SigLIP, DINOv2 and a remote-code (InternViT-style) tower behind the one encoder interface."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
import torch
from PIL import Image

from omnifusion.adapters import AdapterConfig, build_adapter
from omnifusion.checkpoint import load_llm, load_tokenizer
from omnifusion.encoders import EncoderConfig, load_encoder
from omnifusion.model import OmniFusionModel, Turn
from omnifusion.runtime import OmniFusionError

SIDE = 28
TOWER = {"hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2}

REMOTE_CONFIG = """
from transformers import PretrainedConfig


class TinyViTConfig(PretrainedConfig):
    model_type = "tiny_intern_vit"

    def __init__(self, hidden_size=16, image_size=28, patch_size=14, num_hidden_layers=2, **kwargs):
        super().__init__(**kwargs)
        self.hidden_size = hidden_size
        self.image_size = image_size
        self.patch_size = patch_size
        self.num_hidden_layers = num_hidden_layers
"""

REMOTE_MODEL = """
import torch
from torch import nn
from transformers import PreTrainedModel
from transformers.modeling_outputs import BaseModelOutput

from .configuration_tiny import TinyViTConfig


class TinyViTModel(PreTrainedModel):
    config_class = TinyViTConfig
    base_model_prefix = "tiny"

    def __init__(self, config):
        super().__init__(config)
        self.patch = nn.Conv2d(3, config.hidden_size, config.patch_size, config.patch_size)
        self.cls = nn.Parameter(torch.zeros(1, 1, config.hidden_size))
        self.blocks = nn.ModuleList(
            nn.Linear(config.hidden_size, config.hidden_size) for _ in range(config.num_hidden_layers)
        )
        self.post_init()

    def _init_weights(self, module):
        pass

    def forward(self, pixel_values, output_hidden_states=False, **kwargs):
        x = self.patch(pixel_values).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1)
        states = [x]
        for block in self.blocks:
            x = torch.tanh(block(x))
            states.append(x)
        return BaseModelOutput(last_hidden_state=x, hidden_states=tuple(states))
"""


@pytest.fixture(scope="module")
def towers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from transformers import (
        AutoConfig,
        AutoModel,
        Dinov2Config,
        Dinov2Model,
        Dinov2WithRegistersConfig,
        Dinov2WithRegistersModel,
        SiglipVisionConfig,
        SiglipVisionModel,
    )

    root = tmp_path_factory.mktemp("towers")
    torch.manual_seed(0)
    SiglipVisionModel(SiglipVisionConfig(image_size=SIDE, patch_size=14, **TOWER)).save_pretrained(
        root / "siglip"
    )
    Dinov2Model(Dinov2Config(image_size=SIDE, patch_size=14, **TOWER)).save_pretrained(root / "dinov2")
    Dinov2WithRegistersModel(
        Dinov2WithRegistersConfig(image_size=SIDE, patch_size=14, num_register_tokens=2, **TOWER)
    ).save_pretrained(root / "dinov2-reg")
    remote = root / "internvit"
    remote.mkdir()
    (remote / "configuration_tiny.py").write_text(textwrap.dedent(REMOTE_CONFIG))
    (remote / "modeling_tiny.py").write_text(textwrap.dedent(REMOTE_MODEL))
    auto_map = {"AutoConfig": "configuration_tiny.TinyViTConfig", "AutoModel": "modeling_tiny.TinyViTModel"}
    (remote / "config.json").write_text(json.dumps({"model_type": "tiny_intern_vit", "auto_map": auto_map}))
    config = AutoConfig.from_pretrained(remote, trust_remote_code=True, local_files_only=True)
    AutoModel.from_config(config, trust_remote_code=True).save_pretrained(remote)
    return {
        "siglip": root / "siglip",
        "dinov2": root / "dinov2",
        "dinov2-reg": root / "dinov2-reg",
        "internvit": remote,
    }


@pytest.mark.parametrize(
    ("kind", "name", "prefix"),
    [
        ("siglip", "siglip", 0),
        ("dinov2", "dinov2", 1),
        ("dinov2", "dinov2-reg", 3),
        ("internvit", "internvit", 1),
    ],
)
def test_every_tower_gives_patch_tokens_per_layer(
    towers: dict[str, Path], kind: str, name: str, prefix: int
) -> None:
    encoder = load_encoder(EncoderConfig(kind=kind, path=str(towers[name]), layers=(-2, -1), image_size=SIDE))
    assert encoder.prefix_tokens == prefix
    pixels = encoder.preprocess([Image.new("RGB", (SIDE, SIDE), "green")] * 3)
    features = encoder(pixels)
    assert features.shape == (3, 2, 4, 16)  # two layers, a 2x2 patch grid, no CLS or register tokens
    hidden = encoder.all_hidden_states(pixels)
    torch.testing.assert_close(features[:, 1], hidden[-1][:, prefix:])


def test_out_of_range_layers_are_reported(towers: dict[str, Path]) -> None:
    encoder = load_encoder(EncoderConfig(kind="siglip", path=str(towers["siglip"]), layers=(-9,)))
    with pytest.raises(OmniFusionError, match="out of range"):
        encoder(encoder.preprocess([Image.new("RGB", (SIDE, SIDE))]))


def test_two_encoder_model_with_the_layer_mix_adapter(tiny: Any, towers: dict[str, Path]) -> None:
    clip = load_encoder(EncoderConfig(kind="clip", path=str(tiny.clip), layers=(-3, -2)))
    dino = load_encoder(
        EncoderConfig(kind="dinov2", path=str(towers["dinov2"]), layers=(-2, -1), image_size=SIDE)
    )
    adapter = build_adapter(
        AdapterConfig(kind="layer_mix", visual_dims=(tiny.visual_dim, 16), llm_dim=tiny.llm_dim, mix_dim=24)
    )
    model = OmniFusionModel(
        [clip, dino], adapter, load_llm(tiny.llm, torch.float32), load_tokenizer(tiny.tokenizer)
    )
    tokens = model.encode_images([Image.new("RGB", (50, 70), "white")])
    assert tokens.shape == (1, tiny.tokens_per_view, tiny.llm_dim)
    prompt = model.build_prompt([Turn("user", "What is it?")], tokens, add_generation_marker=True)
    assert len(prompt.positions("image")) == tiny.tokens_per_view


def test_new_markers_are_made_on_the_device_of_the_llm(tiny: Any) -> None:
    """A model built straight on a GPU failed here: its new markers were drawn on the CPU (found on an H200).

    The `meta` device stands in for a GPU on this machine: a CPU tensor meets it the same way.
    """
    clip = load_encoder(EncoderConfig(kind="clip", path=str(tiny.clip)))
    adapter = build_adapter(AdapterConfig(visual_dims=(tiny.visual_dim,), llm_dim=tiny.llm_dim))
    llm = load_llm(tiny.llm, torch.float32).to("meta")
    model = OmniFusionModel([clip], adapter, llm, load_tokenizer(tiny.tokenizer))
    assert {parameter.device.type for parameter in model.special_embeddings.values()} == {"meta"}
