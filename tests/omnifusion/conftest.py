"""Tiny, randomly initialised stand-ins for CLIP, Mistral, a tokenizer and the official checkpoint."""

from __future__ import annotations

import logging
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
from torch import nn

VISUAL_DIM = 32
LLM_DIM = 48
IMAGE_SIZE = 28  # two 14-px patches a side: 4 image tokens per view
PATCH = 14

SENTENCES = [
    "This is a dialog with AI assistant.\n",
    "What does the red button on the settings page do?",
    "It saves the printer profile: press Save to keep the changes.",
    "The paper tray holds up to 250 sheets of A4 paper.",
    "Как заменить картридж принтера? Откройте крышку и извлеките старый картридж.",
    "To reset the network settings, hold the Wi-Fi key for five seconds.",
    "The warranty covers manufacturing defects for two years.",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA device")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="module", autouse=True)
def _one_thread() -> Iterator[None]:
    # tiny models gain nothing from intra-op threads, and on a busy 2-core box they lose a lot to contention
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def _quiet_transformers() -> None:
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    logging.getLogger("transformers").setLevel(logging.ERROR)


class VisualToGPTMapping(nn.Module):
    """The release's adapter class as its own ``models`` module defined it (pickled whole)."""

    def __init__(self, visual_emb_dim: int, gpt_emb_dim: int, num_gpt_embs: int, num_heads: int) -> None:
        super().__init__()
        self.visual_emb_dim = visual_emb_dim
        self.gpt_emb_dim = gpt_emb_dim
        self.num_gpt_embs = num_gpt_embs
        self.num_heads = num_heads
        self.transformer_layer = nn.TransformerEncoderLayer(
            d_model=visual_emb_dim, nhead=num_heads, dim_feedforward=64, batch_first=True
        )
        self.linear = nn.Linear(visual_emb_dim, gpt_emb_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(self.transformer_layer(x)).reshape(-1, self.num_gpt_embs, self.gpt_emb_dim)


VisualToGPTMapping.__module__ = "models"


def save_tokenizer(directory: Path) -> None:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=["<unk>", "<s>", "</s>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tokenizer.train_from_iterator(SENTENCES * 5, trainer)
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, unk_token="<unk>", bos_token="<s>", eos_token="</s>", pad_token="<unk>"
    )
    wrapped.save_pretrained(directory)


def save_clip(directory: Path, with_text: bool = True) -> None:
    from transformers import CLIPConfig, CLIPModel

    torch.manual_seed(0)
    config = CLIPConfig(
        text_config={
            "vocab_size": 400,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "max_position_embeddings": 64,
            "eos_token_id": 2,
            "bos_token_id": 1,
            "pad_token_id": 0,
        },
        vision_config={
            "hidden_size": VISUAL_DIM,
            "intermediate_size": 64,
            "num_hidden_layers": 3,
            "num_attention_heads": 4,
            "image_size": IMAGE_SIZE,
            "patch_size": PATCH,
        },
        projection_dim=16,
    )
    CLIPModel(config).save_pretrained(directory)
    save_tokenizer(directory)


def save_llm(directory: Path) -> None:
    from transformers import MistralConfig, MistralForCausalLM

    torch.manual_seed(1)
    config = MistralConfig(
        vocab_size=400,
        hidden_size=LLM_DIM,
        intermediate_size=96,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        bos_token_id=1,
        eos_token_id=2,
        pad_token_id=0,
        initializer_range=0.2,  # wide enough that the image prefix moves the logits of a random LM
    )
    MistralForCausalLM(config).save_pretrained(directory)


def save_official_checkpoint(directory: Path) -> VisualToGPTMapping:
    """The OmniMistral-v1_1 layout at toy size; the pickled class lives in a ``models`` module that
    exists only while saving, as on a user's machine without the release's code."""
    directory.mkdir(parents=True)
    torch.manual_seed(2)
    projection = VisualToGPTMapping(VISUAL_DIM, LLM_DIM, num_gpt_embs=4, num_heads=4).eval()
    module = types.ModuleType("models")
    module.VisualToGPTMapping = VisualToGPTMapping  # type: ignore[attr-defined]
    sys.modules["models"] = module
    try:
        torch.save(projection, directory / "projection.pt")
    finally:
        del sys.modules["models"]
    special = {name: torch.randn(LLM_DIM).to(torch.bfloat16) for name in ("SOI", "EOI", "USER", "BOT")}
    torch.save(special, directory / "special_embeddings.pt")
    save_llm(directory / "tuned-model")
    save_tokenizer(directory / "tokenizer")
    return projection


@dataclass
class TinyAssets:
    """Paths of the tiny models, and their sizes."""

    clip: Path
    official: Path
    projection: VisualToGPTMapping
    llm: Path
    tokenizer: Path
    visual_dim: int = VISUAL_DIM
    llm_dim: int = LLM_DIM
    image_size: int = IMAGE_SIZE
    tokens_per_view: int = (IMAGE_SIZE // PATCH) ** 2


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> TinyAssets:
    import transformers

    transformers.logging.set_verbosity_error()
    root = tmp_path_factory.mktemp("tiny")
    save_clip(root / "clip")
    projection = save_official_checkpoint(root / "OmniMistral-v1_1")
    return TinyAssets(
        clip=root / "clip",
        official=root / "OmniMistral-v1_1",
        projection=projection,
        llm=root / "OmniMistral-v1_1" / "tuned-model",
        tokenizer=root / "OmniMistral-v1_1" / "tokenizer",
    )
