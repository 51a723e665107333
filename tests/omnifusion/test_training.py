"""Which parameters train in each stage, the loss falling on a tiny overfit run, checkpoints and resume."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch
from PIL import Image, ImageDraw

from omnifusion.checkpoint import load_model, read_checkpoint
from omnifusion.encoders import EncoderConfig
from omnifusion.model import collate
from omnifusion.runtime import OmniFusionError
from omnifusion.training import DatasetError, TrainConfig, prompt_for, read_dataset, set_stage, train


def _dataset(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    lines = []
    for name, colour, answer in [
        ("red", (220, 20, 20), "A red square."),
        ("blue", (20, 20, 220), "A blue circle."),
    ]:
        image = Image.new("RGB", (40, 40), "white")
        ImageDraw.Draw(image).rectangle((5, 5, 35, 35), fill=colour)
        image.save(root / f"{name}.png")
        turns = [{"role": "user", "text": "What is drawn?"}, {"role": "assistant", "text": answer}]
        lines.append(json.dumps({"image": f"{name}.png", "turns": turns}))
    lines.append(
        json.dumps(
            {
                "image": "red.png",
                "conversations": [
                    {"from": "human", "value": "<image>\nColour?"},
                    {"from": "gpt", "value": "Red."},
                ],
            }
        )
    )
    (root / "train.jsonl").write_text("\n".join(lines) + "\n")
    return root / "train.jsonl"


def _config(tiny: Any, tmp_path: Path, **overrides: Any) -> TrainConfig:
    values: dict[str, Any] = {
        "data": str(_dataset(tmp_path / "data")),
        "output_dir": str(tmp_path / "run"),
        "init": str(tiny.official),
        "encoders": [{"kind": "clip", "path": str(tiny.clip)}],
        "device": "cpu",
        "batch_size": 1,
        "grad_accumulation": 1,
        "learning_rate": 3e-3,
        "log_every": 1,
        "save_every": 1000,
    }
    values.update(overrides)
    return TrainConfig.from_dict(values)


@pytest.mark.parametrize("stage", ["pretrain", "sft"])
def test_each_stage_sends_gradients_only_where_it_should(tiny: Any, tmp_path: Path, stage: str) -> None:
    model = load_model(tiny.official, [EncoderConfig(kind="clip", path=str(tiny.clip))])
    set_stage(model, stage)
    sample = read_dataset(_dataset(tmp_path))[0]
    model(collate([prompt_for(model, sample, 2048)])).loss.backward()

    def got_grad(module: torch.nn.Module) -> set[bool]:
        return {p.grad is not None and bool(p.grad.abs().sum() > 0) for p in module.parameters()}

    assert got_grad(model.adapter) == {True}
    assert got_grad(model.special_embeddings) == {True}
    assert all(p.grad is None for p in model.encoders.parameters())
    llm_grads = {p.grad is not None for p in model.llm.parameters()}
    assert llm_grads == ({True} if stage == "sft" else {False})


def test_pretrain_overfits_and_leaves_the_llm_alone(tiny: Any, tmp_path: Path) -> None:
    result = train(_config(tiny, tmp_path, max_steps=60, epochs=20, learning_rate=5e-2))
    assert result.steps == 60
    first, last = sum(result.losses[:3]) / 3, sum(result.losses[-3:]) / 3
    assert last < 0.7 * first, result.losses
    assert result.final_dir is not None
    final = read_checkpoint(result.final_dir)
    assert final.llm_dir == tiny.llm.resolve()  # pretrain points at the unchanged base LLM
    original = read_checkpoint(tiny.official)
    changed = [
        k for k in final.adapter_state if not torch.equal(final.adapter_state[k], original.adapter_state[k])
    ]
    assert changed
    reloaded = load_model(result.final_dir, [EncoderConfig(kind="clip", path=str(tiny.clip))])
    assert reloaded.answer("What is drawn?", [Image.open(Path(tmp_path / "data" / "red.png"))])


def test_sft_trains_the_llm_and_saves_it(tiny: Any, tmp_path: Path) -> None:
    result = train(
        _config(
            tiny,
            tmp_path,
            stage="sft",
            max_steps=12,
            epochs=6,
            grad_accumulation=2,
            gradient_checkpointing=True,
        )
    )
    assert result.steps == 12
    assert sum(result.losses[-3:]) < sum(result.losses[:3])
    assert result.final_dir is not None and (result.final_dir / "llm" / "config.json").is_file()


def test_resume_continues_from_the_last_checkpoint(tiny: Any, tmp_path: Path) -> None:
    first = train(_config(tiny, tmp_path, max_steps=2, epochs=2, save_every=1))
    assert first.steps == 2 and (tmp_path / "run" / "checkpoint-2" / "trainer_state.pt").is_file()
    second = train(_config(tiny, tmp_path, max_steps=4, epochs=2, save_every=1))
    assert second.steps == 4
    assert len(second.losses) == 2  # only the two new steps ran
    state = torch.load(tmp_path / "run" / "checkpoint-4" / "trainer_state.pt", weights_only=True)
    assert state["step"] == 4 and state["micro_batches"] == 4
    # only the newest two checkpoints are kept
    assert sorted(p.name for p in (tmp_path / "run").glob("checkpoint-*")) == ["checkpoint-3", "checkpoint-4"]


def test_bad_configs_and_data_are_reported(tiny: Any, tmp_path: Path) -> None:
    with pytest.raises(OmniFusionError, match="stage"):
        _config(tiny, tmp_path, stage="rlhf")
    with pytest.raises(OmniFusionError, match="unknown training setting"):
        _config(tiny, tmp_path, learning_rat=1.0)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"turns": [{"role": "user", "text": "hi"}]}) + "\n")
    with pytest.raises(DatasetError, match="no assistant turn"):
        read_dataset(bad)
    bad.write_text(json.dumps({"image": "missing.png", "turns": []}) + "\n")
    with pytest.raises(DatasetError, match="not found"):
        read_dataset(bad)
