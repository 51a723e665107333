"""``python -m omnifusion``: convert, train, train-retriever, embed, answer, and errors at the front door."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch
from PIL import Image, ImageDraw

from omnifusion.checkpoint import read_converted
from omnifusion.cli import main


def _pages(root: Path) -> list[Path]:
    root.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, colour in enumerate([(200, 20, 20), (20, 200, 20), (20, 20, 200)], start=1):
        image = Image.new("RGB", (60, 80), "white")
        ImageDraw.Draw(image).rectangle((10, 10 * number, 50, 10 * number + 20), fill=colour)
        image.save(root / f"page-{number}.png")
        paths.append(root / f"page-{number}.png")
    return paths


def test_convert_command(tiny: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["convert", str(tiny.official), str(tmp_path / "out")]) == 0
    assert "converted" in capsys.readouterr().out
    parts = read_converted(tmp_path / "out")
    assert parts.adapter_config.llm_dim == tiny.llm_dim


def test_errors_are_reported_once_with_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["convert", str(tmp_path / "missing"), str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "projection.pt" in err and "Traceback" not in err


def test_train_command(tiny: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (page,) = _pages(tmp_path)[:1]
    turns = [{"role": "user", "text": "Colour?"}, {"role": "assistant", "text": "Red."}]
    (tmp_path / "data.jsonl").write_text(json.dumps({"image": page.name, "turns": turns}) + "\n")
    config = {
        "data": str(tmp_path / "data.jsonl"),
        "output_dir": str(tmp_path / "run"),
        "init": str(tiny.official),
        "encoders": [{"kind": "clip", "path": str(tiny.clip)}],
        "grad_accumulation": 1,
        "epochs": 5,
    }
    (tmp_path / "train.json").write_text(json.dumps(config))
    code = main(
        ["train", "--stage", "pretrain", str(tmp_path / "train.json"), "--max-steps", "3", "--device", "cpu"]
    )
    assert code == 0
    assert "pretrain: 3 steps" in capsys.readouterr().out
    assert (tmp_path / "run" / "final" / "omnifusion.json").is_file()


def test_train_retriever_embed_and_search_commands(
    tiny: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pages = _pages(tmp_path / "pages")
    texts = [
        "Replace the toner cartridge when the light turns orange.",
        "Connect the scanner to the network with the supplied cable.",
        "Clean the glass with a soft dry cloth once a week.",
    ]
    lines = [json.dumps({"image": str(p), "text": t}) for p, t in zip(pages, texts, strict=True)]
    (tmp_path / "pages.jsonl").write_text("\n".join(lines) + "\n")
    config = {
        "checkpoint": str(tiny.official),
        "encoder": {"kind": "clip", "path": str(tiny.clip)},
        "data": str(tmp_path / "pages.jsonl"),
        "output_dir": str(tmp_path / "retriever"),
        "dim": 16,
        "head_width": 32,
        "head_heads": 4,
        "max_tiles": 0,
        "epochs": 2,
    }
    (tmp_path / "retriever.json").write_text(json.dumps(config))
    assert (
        main(["train-retriever", str(tmp_path / "retriever.json"), "--mode", "single", "--device", "cpu"])
        == 0
    )
    assert "single retriever" in capsys.readouterr().out

    visual = {"kind": "retriever", "path": str(tmp_path / "retriever"), "max_tiles": 0}
    (tmp_path / "visual.json").write_text(json.dumps(visual))
    index_dir = tmp_path / "index"
    args = ["embed", str(index_dir), *map(str, pages), "--config", str(tmp_path / "visual.json")]
    assert main([*args, "--query", "toner cartridge", "-k", "2", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [row["page_id"] for row in report["added"]] == [1, 2, 3]
    assert report["pages"] == 3 and len(report["hits"]) == 2
    # more pages get the next free ids; the CLIP joint space works from flags alone
    assert (
        main(
            ["embed", str(tmp_path / "clip-index"), str(pages[0]), "--kind", "clip", "--path", str(tiny.clip)]
        )
        == 0
    )
    assert "added page 1" in capsys.readouterr().out


def test_answer_command(tiny: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (page,) = _pages(tmp_path)[:1]
    code = main(
        ["answer", str(tiny.official), str(page), "What colour?", "--encoder", str(tiny.clip), "--tiles", "2"]
    )
    assert code == 0
    assert isinstance(capsys.readouterr().out, str)


@pytest.mark.gpu
def test_training_and_index_on_cuda_in_bf16(tiny: Any, tmp_path: Path) -> None:
    from omnifusion.checkpoint import load_model
    from omnifusion.encoders import EncoderConfig
    from omnifusion.retrieval import VisualConfig, VisualPageIndex
    from omnifusion.training import TrainConfig, train

    (page,) = _pages(tmp_path)[:1]
    turns = [{"role": "user", "text": "Colour?"}, {"role": "assistant", "text": "Red."}]
    (tmp_path / "data.jsonl").write_text(json.dumps({"image": page.name, "turns": turns}) + "\n")
    result = train(
        TrainConfig.from_dict(
            {
                "data": str(tmp_path / "data.jsonl"),
                "output_dir": str(tmp_path / "run"),
                "init": str(tiny.official),
                "encoders": [{"kind": "clip", "path": str(tiny.clip), "device": "cuda"}],
                "stage": "sft",
                "device": "cuda",
                "bf16": True,
                "grad_accumulation": 1,
                "epochs": 3,
            }
        )
    )
    assert result.steps == 3 and all(torch.isfinite(torch.tensor(result.losses)))
    model = load_model(
        result.final_dir or "",
        [EncoderConfig(kind="clip", path=str(tiny.clip))],
        device="cuda",
        dtype="bfloat16",
    )
    assert model.device.type == "cuda"
    assert isinstance(model.answer("Colour?", [Image.open(page)]), str)
    index = VisualPageIndex.open(
        tmp_path / "idx", VisualConfig(kind="clip", path=str(tiny.clip), device="cuda")
    )
    index.add_pages([(7, Image.open(page))])
    assert index.search("red", 1)[0][0] == 7
