"""The official OmniMistral-v1_1 layout loads, converts to safetensors and gives the same outputs."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import torch
from PIL import Image

from omnifusion.checkpoint import (
    CheckpointLayoutError,
    convert_checkpoint,
    load_model,
    read_official,
)
from omnifusion.encoders import EncoderConfig
from omnifusion.model import Turn
from omnifusion.runtime import ModelDirectoryError


def _clip(tiny: Any) -> list[EncoderConfig]:
    return [EncoderConfig(kind="clip", path=str(tiny.clip))]


def test_official_projection_is_read_without_the_release_code(tiny: Any) -> None:
    assert "models" not in sys.modules
    parts = read_official(tiny.official)
    assert parts.adapter_config.kind == "transformer"
    assert parts.adapter_config.visual_dims == (tiny.visual_dim,)
    assert parts.adapter_config.llm_dim == tiny.llm_dim
    assert set(parts.special_embeddings) == {"SOI", "EOI", "USER", "BOT"}
    assert all(k.startswith(("transformer_layer.", "linear.")) for k in parts.adapter_state)


def test_loaded_adapter_computes_what_the_pickled_module_computed(tiny: Any) -> None:
    model = load_model(tiny.official, _clip(tiny))
    features = torch.randn(2, tiny.tokens_per_view, tiny.visual_dim)
    with torch.no_grad():
        expected = tiny.projection(features)
        got = model.adapter([features])
    torch.testing.assert_close(got, expected)
    assert not model.adapter.training  # dropout off, as the release requires


def test_convert_round_trip_gives_identical_outputs(tiny: Any, tmp_path: Path) -> None:
    original = load_model(tiny.official, _clip(tiny))
    converted_dir = convert_checkpoint(tiny.official, tmp_path / "converted")
    assert not list(converted_dir.rglob("*.pt")) and not list(converted_dir.rglob("*.bin"))
    converted = load_model(converted_dir, _clip(tiny))
    image = Image.new("RGB", (60, 40), (200, 30, 30))
    turns = [Turn("user", "What does the red button do?")]
    with torch.no_grad():
        a = original.build_prompt(turns, original.encode_images([image]), add_generation_marker=True)
        b = converted.build_prompt(turns, converted.encode_images([image]), add_generation_marker=True)
        torch.testing.assert_close(a.inputs_embeds, b.inputs_embeds, rtol=0, atol=0)
        logits_a = original.llm(inputs_embeds=a.inputs_embeds[None]).logits
        logits_b = converted.llm(inputs_embeds=b.inputs_embeds[None]).logits
    torch.testing.assert_close(logits_a, logits_b, rtol=0, atol=0)
    assert original.answer("What does the red button do?", [image]) == converted.answer(
        "What does the red button do?", [image]
    )


def test_convert_refuses_a_non_empty_destination(tiny: Any, tmp_path: Path) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "file").write_text("x")
    with pytest.raises(CheckpointLayoutError, match="not empty"):
        convert_checkpoint(tiny.official, tmp_path / "busy")


@pytest.mark.parametrize("missing", ["projection.pt", "special_embeddings.pt", "tuned-model", "tokenizer"])
def test_incomplete_official_directory_names_the_expected_layout(
    tiny: Any, tmp_path: Path, missing: str
) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(tiny.official, broken)
    target = broken / missing
    shutil.rmtree(target) if target.is_dir() else target.unlink()
    with pytest.raises(CheckpointLayoutError, match=re.escape(missing)) as caught:
        read_official(broken)
    assert "special_embeddings.pt" in str(caught.value) and "tuned-model/" in str(caught.value)


def test_malformed_files_are_reported(tiny: Any, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(tiny.official, broken)
    (broken / "projection.pt").write_bytes(b"not a pickle")
    with pytest.raises(CheckpointLayoutError, match=r"projection\.pt"):
        read_official(broken)
    shutil.copy(tiny.official / "projection.pt", broken / "projection.pt")
    torch.save({"SOI": torch.zeros(3)}, broken / "special_embeddings.pt")
    with pytest.raises(CheckpointLayoutError, match="EOI"):
        read_official(broken)


def test_missing_directory_and_missing_encoder(tiny: Any, tmp_path: Path) -> None:
    with pytest.raises(CheckpointLayoutError, match=r"projection\.pt"):
        load_model(tmp_path / "nowhere", _clip(tiny))
    with pytest.raises(ModelDirectoryError, match="no vision encoder"):
        load_model(tiny.official)


def test_unreadable_tokenizer_says_what_to_install(tiny: Any, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(tiny.official, broken)
    shutil.rmtree(broken / "tokenizer")
    (broken / "tokenizer").mkdir()
    (broken / "tokenizer" / "tokenizer.model").write_bytes(b"not a sentencepiece model")
    with pytest.raises(ModelDirectoryError, match="sentencepiece"):
        load_model(broken, _clip(tiny))
