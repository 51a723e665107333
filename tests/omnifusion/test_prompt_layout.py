"""The inputs_embeds layout: system text, SOI, image tokens, EOI, USER, question, BOT (and dialogs)."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from PIL import Image

from omnifusion.checkpoint import load_model
from omnifusion.encoders import EncoderConfig
from omnifusion.model import IGNORE_INDEX, OmniFusionModel, Turn, collate
from omnifusion.runtime import OmniFusionError
from omnifusion.slicing import plan_slices, slice_image


@pytest.fixture(scope="module")
def model(tiny: Any) -> OmniFusionModel:
    return load_model(tiny.official, [EncoderConfig(kind="clip", path=str(tiny.clip))])


def _ids(model: OmniFusionModel, text: str) -> list[int]:
    return list(model.tokenizer(text, add_special_tokens=False)["input_ids"])


def test_single_image_question_layout(model: OmniFusionModel, tiny: Any) -> None:
    image = Image.new("RGB", (40, 30), "blue")
    tokens = model.encode_images([image])
    question = "What is on the page?"
    prompt = model.build_prompt([Turn("user", question)], tokens, add_generation_marker=True)
    n_system = len(_ids(model, "This is a dialog with AI assistant.\n"))
    n_image = tiny.tokens_per_view
    n_question = len(_ids(model, question))
    assert [s.name for s in prompt.segments] == ["system", "SOI", "image", "EOI", "USER", "user", "BOT"]
    assert prompt.positions("SOI") == [n_system]
    assert prompt.positions("image") == list(range(n_system + 1, n_system + 1 + n_image))
    assert prompt.positions("EOI") == [n_system + 1 + n_image]
    assert prompt.positions("USER") == [n_system + 2 + n_image]
    assert prompt.positions("BOT") == [n_system + 3 + n_image + n_question]
    assert prompt.inputs_embeds.shape == (n_system + 4 + n_image + n_question, tiny.llm_dim)
    embeds = prompt.inputs_embeds
    for name in ("SOI", "EOI", "USER", "BOT"):
        (position,) = prompt.positions(name)
        torch.testing.assert_close(embeds[position], model.special_embeddings[name].detach())
    torch.testing.assert_close(embeds[n_system + 1 : n_system + 1 + n_image], tokens[0])
    text_table = model.llm.get_input_embeddings().weight
    torch.testing.assert_close(embeds[:n_system], text_table[_ids(model, model.system_prompt)])
    assert (prompt.labels == IGNORE_INDEX).all()  # nothing to learn in a question


def test_global_view_plus_tiles_share_one_image_span(model: OmniFusionModel, tiny: Any) -> None:
    page = Image.new("RGB", (120, 170), "white")
    plan = plan_slices(page.width, page.height, tile_size=tiny.image_size, max_tiles=6)
    views = slice_image(page, plan)
    chosen = [views[0], views[1], views[-1]]  # global view first, then two evidence tiles
    prompt = model.build_prompt([Turn("user", "Where?")], model.encode_images(chosen))
    assert [s.name for s in prompt.segments][:4] == ["system", "SOI", "image", "EOI"]
    assert len(prompt.positions("image")) == 3 * tiny.tokens_per_view


def test_multi_turn_dialog_puts_markers_before_each_turn_and_labels_only_the_bot(
    model: OmniFusionModel,
) -> None:
    turns = [
        Turn("user", "What is the tray size?"),
        Turn("assistant", "250 sheets."),
        Turn("user", "Of what paper?"),
        Turn("assistant", "A4."),
    ]
    prompt = model.build_prompt(turns, model.encode_images([Image.new("RGB", (30, 30))]))
    names = [s.name for s in prompt.segments]
    assert names[4:] == ["USER", "user", "BOT", "assistant", "USER", "user", "BOT", "assistant"]
    labelled = (prompt.labels != IGNORE_INDEX).nonzero().flatten().tolist()
    assert labelled == prompt.positions("assistant")
    eos = model.eos_token_id
    expected = [*_ids(model, "250 sheets."), eos, *_ids(model, "A4."), eos]
    assert prompt.labels[labelled].tolist() == expected


def test_collate_pads_right_and_masks_padding(model: OmniFusionModel) -> None:
    short = model.build_prompt([Turn("user", "Hi"), Turn("assistant", "Hello.")], None)
    long = model.build_prompt(
        [Turn("user", "What does the red button do?"), Turn("assistant", "Saves.")], None
    )
    batch = collate([short, long])
    n = short.inputs_embeds.shape[0]
    assert batch.inputs_embeds.shape[:2] == batch.labels.shape == batch.attention_mask.shape
    assert batch.attention_mask[0, :n].all() and not batch.attention_mask[0, n:].any()
    assert (batch.labels[0, n:] == IGNORE_INDEX).all()


def test_generate_needs_a_user_turn_last(model: OmniFusionModel) -> None:
    with pytest.raises(OmniFusionError, match="user turn"):
        model.generate([Turn("user", "a"), Turn("assistant", "b")])
    with pytest.raises(OmniFusionError, match="role"):
        Turn("system", "x")
    answer = model.answer("What is it?", [Image.new("RGB", (30, 30))])
    assert isinstance(answer, str) and ":" not in answer and "\n" not in answer


def test_answer_about_a_page_uses_the_global_view_and_evidence_tiles(
    model: OmniFusionModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = Image.new("RGB", (200, 280), "white")
    seen: list[int] = []
    original = model.encode_images

    def spy(images: Any) -> torch.Tensor:
        seen.append(len(images))
        return original(images)

    monkeypatch.setattr(model, "encode_images", spy)
    model.answer_about_page("Where is the button?", page, [(10, 10, 30, 30), (150, 250, 190, 270)])
    model.answer_about_page("And now?", page)
    assert seen == [3, 1]  # global view + two evidence tiles; then the global view alone
