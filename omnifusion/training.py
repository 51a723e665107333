"""Two-stage training: pretrain (adapter + special embeddings) and SFT (the LLM too); encoders stay frozen."""

from __future__ import annotations

import json
import logging
import math
import os
import random
import shutil
from collections.abc import Iterator, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import torch
from torch import nn

from omnifusion.adapters import AdapterConfig
from omnifusion.checkpoint import (
    CheckpointParts,
    assemble_model,
    model_parts,
    read_checkpoint,
    write_converted,
)
from omnifusion.encoders import EncoderConfig
from omnifusion.model import SYSTEM_PROMPT, OmniFusionModel, PromptInputs, Turn, collate
from omnifusion.runtime import JsonConfig, OmniFusionError, resolve_device

logger = logging.getLogger(__name__)

STAGES = ("pretrain", "sft")
TRAINER_STATE = "trainer_state.pt"
_ROLE_NAMES = {
    "user": "user",
    "human": "user",
    "assistant": "assistant",
    "gpt": "assistant",
    "bot": "assistant",
}


class DatasetError(OmniFusionError):
    """A training file is missing, or one of its lines is not a valid sample."""


@dataclass(frozen=True)
class TrainConfig(JsonConfig):
    """What ``python -m omnifusion train --stage pretrain|sft CONFIG`` reads from its JSON file.

    Start from ``init`` (an official or converted checkpoint), or from scratch with ``llm`` and
    ``tokenizer`` directories and an ``adapter`` config. ``encoders`` lists the vision towers.
    ``batch_size`` x ``grad_accumulation`` samples make one optimizer step. On CUDA, ``bf16`` runs
    forward and backward under bfloat16 autocast.
    """

    what: ClassVar[str] = "training"

    data: str
    output_dir: str
    encoders: tuple[Mapping[str, Any], ...]
    stage: str = "pretrain"
    init: str | None = None
    llm: str | None = None
    tokenizer: str | None = None
    adapter: Mapping[str, Any] | None = None
    image_root: str | None = None
    batch_size: int = 1
    grad_accumulation: int = 8
    learning_rate: float = 1e-4
    weight_decay: float = 0.0
    warmup_steps: int = 0
    max_grad_norm: float = 1.0
    epochs: int = 1
    max_steps: int | None = None
    save_every: int = 500
    keep_checkpoints: int = 2  # older checkpoint-* folders are deleted (an SFT one holds a whole LLM)
    log_every: int = 10
    max_length: int = 2048
    device: str = "auto"
    dtype: str = "float32"
    bf16: bool = True
    gradient_checkpointing: bool = False  # recompute LLM activations in backward: less memory, ~30% slower
    seed: int = 0

    def __post_init__(self) -> None:
        if self.stage not in STAGES:
            raise OmniFusionError(f"stage must be one of {', '.join(STAGES)}, got {self.stage!r}")
        if self.init is None and (self.llm is None or self.tokenizer is None or self.adapter is None):
            raise OmniFusionError("set 'init' (a checkpoint) or all of 'llm', 'tokenizer' and 'adapter'")
        if (
            min(self.batch_size, self.grad_accumulation, self.epochs, self.save_every, self.keep_checkpoints)
            < 1
        ):
            raise OmniFusionError(
                "batch_size, grad_accumulation, epochs, save_every and keep_checkpoints must be >= 1"
            )


@dataclass(frozen=True)
class Sample:
    """One training dialog about (at most) one image."""

    image: Path | None
    turns: tuple[Turn, ...]


@dataclass
class TrainResult:
    """Optimizer steps taken in total, the mean loss of each step taken in this run, and where it saved."""

    steps: int
    losses: list[float] = field(default_factory=list)
    final_dir: Path | None = None


def _turns(record: Mapping[str, Any], where: str) -> tuple[Turn, ...]:
    raw = record.get("turns", record.get("conversations"))
    if not isinstance(raw, list) or not raw:
        raise DatasetError(f"{where}: needs a non-empty 'turns' list")
    turns = []
    for item in raw:
        role = _ROLE_NAMES.get(str(item.get("role", item.get("from", ""))).lower())
        text = item.get("text", item.get("content", item.get("value")))
        if role is None or not isinstance(text, str):
            raise DatasetError(f"{where}: each turn needs a role (user/assistant) and a text, got {item!r}")
        turns.append(Turn(role, text.replace("<image>", "").strip()))
    if not any(t.role == "assistant" for t in turns):
        raise DatasetError(f"{where}: no assistant turn, so nothing to learn")
    return tuple(turns)


def read_dataset(path: str | Path, image_root: str | Path | None = None) -> list[Sample]:
    """JSONL, one dialog a line: ``{"image": "page.png", "turns": [{"role": "user", "text": ...},
    {"role": "assistant", "text": ...}, ...]}`` (LLaVA's ``conversations`` / ``from`` / ``value`` too).
    Relative image paths are resolved against ``image_root`` or the file's folder."""
    source = Path(path)
    if not source.is_file():
        raise DatasetError(f"training data {source} does not exist (expected a JSONL file)")
    root = Path(image_root) if image_root else source.parent
    samples = []
    for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{source}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise DatasetError(f"{where}: not JSON ({error})") from error
        image = record.get("image")
        image_path = None
        if image:
            image_path = Path(image) if Path(image).is_absolute() else root / image
            if not image_path.is_file():
                raise DatasetError(f"{where}: image {image_path} not found")
        samples.append(Sample(image_path, _turns(record, where)))
    if not samples:
        raise DatasetError(f"{source} holds no samples")
    return samples


def set_stage(model: OmniFusionModel, stage: str) -> list[nn.Parameter]:
    """Freeze what ``stage`` keeps fixed; returns the trainable parameters.

    pretrain: adapter + special embeddings; sft: those and the LLM. Encoders never train.
    """
    if stage not in STAGES:
        raise OmniFusionError(f"stage must be one of {', '.join(STAGES)}, got {stage!r}")
    model.requires_grad_(False)
    model.adapter.requires_grad_(True)
    model.special_embeddings.requires_grad_(True)
    if stage == "sft":
        model.llm.requires_grad_(True)
    return [p for p in model.parameters() if p.requires_grad]


def prompt_for(model: OmniFusionModel, sample: Sample, max_length: int) -> PromptInputs:
    """The sample laid out as embeddings, cut to the context length."""
    from PIL import Image

    tokens = None
    if sample.image is not None:
        with Image.open(sample.image) as image:
            tokens = model.encode_images([image.convert("RGB")])
    prompt = model.build_prompt(sample.turns, tokens)
    if prompt.inputs_embeds.shape[0] > max_length:
        prompt = PromptInputs(prompt.inputs_embeds[:max_length], prompt.labels[:max_length], prompt.segments)
    return prompt


def _build_model(config: TrainConfig, checkpoint: Path | None) -> OmniFusionModel:
    encoders = [EncoderConfig.from_dict(e) for e in config.encoders]
    device = resolve_device(config.device).type
    if checkpoint is not None:
        parts = read_checkpoint(checkpoint)
    else:
        assert config.llm is not None and config.tokenizer is not None and config.adapter is not None
        parts = CheckpointParts(
            adapter_config=AdapterConfig.from_dict(config.adapter),
            adapter_state={},
            special_embeddings={},
            llm_dir=Path(config.llm),
            tokenizer_dir=Path(config.tokenizer),
            system_prompt=SYSTEM_PROMPT,
        )
    return assemble_model(parts, encoders, device, config.dtype)


def _latest_checkpoint(output_dir: Path) -> Path | None:
    done = [p for p in output_dir.glob("checkpoint-*") if (p / TRAINER_STATE).is_file()]
    return max(done, key=lambda p: int(p.name.split("-")[1]), default=None)


def save_training_checkpoint(model: OmniFusionModel, directory: Path, stage: str) -> None:
    """Write the converted layout to ``directory`` atomically (temp dir, then rename).

    After pretrain the LLM and tokenizer are unchanged, so the checkpoint points at the directories
    they were loaded from instead of copying gigabytes; after SFT it holds its own LLM.
    """
    staging = directory.with_name(directory.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    if stage == "sft":
        model.llm.save_pretrained(staging / "llm", safe_serialization=True)
        model.tokenizer.save_pretrained(staging / "tokenizer")
        write_converted(model_parts(model), staging)
    else:
        write_converted(
            model_parts(model),
            staging,
            str(Path(model.llm.name_or_path).resolve()),
            str(Path(model.tokenizer.name_or_path).resolve()),
        )
    shutil.rmtree(directory, ignore_errors=True)
    os.replace(staging, directory)


def _schedule(step: int, config: TrainConfig, total_steps: int) -> float:
    """Linear warm-up, then cosine decay to zero."""
    if step < config.warmup_steps:
        return (step + 1) / config.warmup_steps
    span = max(1, total_steps - config.warmup_steps)
    return 0.5 * (1 + math.cos(math.pi * min(1.0, (step - config.warmup_steps) / span)))


def _micro_batches(samples: Sequence[Sample], config: TrainConfig, epoch: int) -> Iterator[list[Sample]]:
    order = list(range(len(samples)))
    random.Random(config.seed + epoch).shuffle(order)
    for start in range(0, len(order), config.batch_size):
        yield [samples[i] for i in order[start : start + config.batch_size]]


def train(config: TrainConfig) -> TrainResult:
    """Run (or resume) one training stage; checkpoints go to ``output_dir/checkpoint-STEP``, the last
    one also to ``output_dir/final``."""
    output_dir = Path(config.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    samples = read_dataset(config.data, config.image_root)
    torch.manual_seed(config.seed)
    resume_from = _latest_checkpoint(output_dir)
    start_dir = resume_from or (Path(config.init) if config.init else None)
    model = _build_model(config, start_dir)
    params = set_stage(model, config.stage)
    if config.gradient_checkpointing:
        # transformers 5 renamed it; 4.x only has the old name
        enable = (
            getattr(model.llm, "activation_checkpointing_enable", None)
            or model.llm.gradient_checkpointing_enable
        )
        enable()
    optimizer = torch.optim.AdamW(params, lr=config.learning_rate, weight_decay=config.weight_decay)
    batches_per_epoch = math.ceil(len(samples) / config.batch_size)
    steps_per_epoch = math.ceil(batches_per_epoch / config.grad_accumulation)
    total_steps = config.max_steps or steps_per_epoch * config.epochs
    step, micro = 0, 0
    if resume_from is not None:
        state = torch.load(resume_from / TRAINER_STATE, map_location="cpu", weights_only=True)
        optimizer.load_state_dict(state["optimizer"])
        step, micro = int(state["step"]), int(state["micro_batches"])
        logger.info("resuming from %s at step %d", resume_from, step)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: _schedule(s, config, total_steps), last_epoch=step - 1 if step else -1
    )
    device = model.device
    autocast: Any = (
        torch.autocast("cuda", dtype=torch.bfloat16)
        if device.type == "cuda" and config.bf16
        else nullcontext()
    )
    model.train()
    result = TrainResult(steps=step)
    running = 0.0
    seen = 0
    pending = 0  # micro-batches accumulated since the last optimizer step (checkpoints fall right after one)
    for epoch in range(config.epochs):
        for batch_index, batch in enumerate(_micro_batches(samples, config, epoch)):
            if seen < micro:  # fast-forward over what the resumed run already consumed
                seen += 1
                continue
            if step >= total_steps:
                break
            with autocast:
                inputs = collate([prompt_for(model, sample, config.max_length) for sample in batch])
                loss = model(inputs).loss / config.grad_accumulation
            loss.backward()
            running += float(loss.detach())
            seen += 1
            micro = seen
            pending += 1
            last_in_epoch = batch_index == batches_per_epoch - 1
            if pending < config.grad_accumulation and not last_in_epoch:
                continue
            pending = 0
            torch.nn.utils.clip_grad_norm_(params, config.max_grad_norm)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            result.losses.append(running)
            running = 0.0
            if step % config.log_every == 0:
                logger.info(
                    "step %d/%d loss %.4f lr %.2e",
                    step,
                    total_steps,
                    result.losses[-1],
                    scheduler.get_last_lr()[0],
                )
            if step % config.save_every == 0 or step == total_steps:
                _save_step(model, output_dir, config, optimizer, step, micro)
    result.steps = step
    result.final_dir = output_dir / "final"
    save_training_checkpoint(model, result.final_dir, config.stage)
    model.eval()
    return result


def _save_step(
    model: OmniFusionModel,
    output_dir: Path,
    config: TrainConfig,
    optimizer: torch.optim.Optimizer,
    step: int,
    micro: int,
) -> None:
    directory = output_dir / f"checkpoint-{step}"
    save_training_checkpoint(model, directory, config.stage)
    state = {"optimizer": optimizer.state_dict(), "step": step, "micro_batches": micro, "stage": config.stage}
    staging = directory / (TRAINER_STATE + ".partial")
    torch.save(state, staging)
    os.replace(staging, directory / TRAINER_STATE)
    logger.info("saved %s", directory)
    done = sorted(
        (p for p in output_dir.glob("checkpoint-*") if (p / TRAINER_STATE).is_file()),
        key=lambda p: int(p.name.split("-")[1]),
    )
    for stale in done[: max(0, len(done) - config.keep_checkpoints)]:
        shutil.rmtree(stale, ignore_errors=True)
