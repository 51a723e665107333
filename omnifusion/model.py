"""The OmniFusion model: frozen vision encoders + adapter + causal LM, with learned SOI/EOI/USER/BOT."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import torch
from torch import nn

from omnifusion.adapters import Adapter
from omnifusion.encoders import EncoderConfig, VisionEncoder
from omnifusion.runtime import OmniFusionError
from omnifusion.slicing import evidence_tiles, plan_slices, slice_image

if TYPE_CHECKING:
    from PIL import Image

logger = logging.getLogger(__name__)

SPECIAL_NAMES = ("SOI", "EOI", "USER", "BOT")
SYSTEM_PROMPT = "This is a dialog with AI assistant.\n"
IGNORE_INDEX = -100  # label value the LLM's cross-entropy skips


@dataclass(frozen=True)
class Turn:
    """One dialog turn; ``role`` is ``"user"`` or ``"assistant"``."""

    role: str
    text: str

    def __post_init__(self) -> None:
        if self.role not in ("user", "assistant"):
            raise OmniFusionError(f"a turn's role is 'user' or 'assistant', got {self.role!r}")


@dataclass(frozen=True)
class Segment:
    """Where one part of the prompt sits in the sequence: positions [start, stop)."""

    name: str
    start: int
    stop: int


@dataclass
class PromptInputs:
    """One dialog as embeddings.

    inputs_embeds (length, llm_dim); labels (length,) with the assistant's tokens (and their eos)
    and IGNORE_INDEX elsewhere; segments name every part in order.
    """

    inputs_embeds: torch.Tensor
    labels: torch.Tensor
    segments: list[Segment] = field(default_factory=list)

    def positions(self, name: str) -> list[int]:
        """All positions of the segments called ``name``."""
        return [p for s in self.segments if s.name == name for p in range(s.start, s.stop)]


@dataclass
class BatchInputs:
    """Right-padded batch: inputs_embeds (batch, length, llm_dim); attention_mask, labels (batch, length)."""

    inputs_embeds: torch.Tensor
    attention_mask: torch.Tensor
    labels: torch.Tensor


@dataclass(frozen=True)
class GenerationSettings:
    """The release's reference decoding: greedy beam search, 3 beams, 50 new tokens, no 4-gram repeats."""

    num_beams: int = 3
    max_new_tokens: int = 50
    no_repeat_ngram_size: int = 4
    banned: tuple[str, ...] = ("\n", "</s>", ":")
    eos_token_id: int | None = None  # None: the tokenizer's (2 for Mistral)


def collate(prompts: Sequence[PromptInputs]) -> BatchInputs:
    """Right-pad prompts into one batch; padding is masked out and carries no loss."""
    if not prompts:
        raise OmniFusionError("cannot batch zero prompts")
    length = max(p.inputs_embeds.shape[0] for p in prompts)
    width = prompts[0].inputs_embeds.shape[1]
    first = prompts[0].inputs_embeds
    embeds = first.new_zeros((len(prompts), length, width))
    mask = torch.zeros((len(prompts), length), dtype=torch.long, device=first.device)
    labels = torch.full((len(prompts), length), IGNORE_INDEX, dtype=torch.long, device=first.device)
    for row, prompt in enumerate(prompts):
        n = prompt.inputs_embeds.shape[0]
        embeds[row, :n] = prompt.inputs_embeds
        mask[row, :n] = 1
        labels[row, :n] = prompt.labels
    return BatchInputs(embeds, mask, labels)


class OmniFusionModel(nn.Module):
    """Frozen encoder(s) + trainable adapter + causal LM + four learned special embeddings.

    The prompt, as embeddings, is: system text, SOI, image tokens, EOI, then for each turn USER +
    user text or BOT + assistant text (+ eos). Several views of one image (the anyres global view,
    then selected tiles) go between one SOI/EOI pair, global view first.
    """

    llm: Any  # a transformers causal LM (PreTrainedModel); typed loosely as transformers' stubs are partial

    def __init__(
        self,
        encoders: Sequence[VisionEncoder],
        adapter: Adapter,
        llm: Any,
        tokenizer: Any,
        special_embeddings: dict[str, torch.Tensor] | None = None,
        system_prompt: str = SYSTEM_PROMPT,
    ) -> None:
        super().__init__()
        self.encoders = nn.ModuleList(encoders)
        self.adapter = adapter
        self.llm = llm
        self.tokenizer = tokenizer
        self.system_prompt = system_prompt
        width = self.llm_dim
        if adapter.config.llm_dim != width:
            raise OmniFusionError(
                f"the adapter maps into width {adapter.config.llm_dim}, the LLM's embeddings are {width} wide"
            )
        self.special_embeddings = nn.ParameterDict()
        reference = self.llm.get_input_embeddings().weight
        for name in SPECIAL_NAMES:
            if special_embeddings is not None:
                value = special_embeddings[name].detach().reshape(width)
            else:
                # new markers start at the scale of ordinary token embeddings
                # drawn where the LLM lives: a GPU-resident LLM must not meet a CPU tensor here
                scale = reference.detach().float().std()
                value = torch.randn(width, device=reference.device) * scale
            self.special_embeddings[name] = nn.Parameter(value.to(reference.device, reference.dtype).clone())
        self.encoders.requires_grad_(False)

    @property
    def llm_dim(self) -> int:
        return int(self.llm.get_input_embeddings().weight.shape[1])

    @property
    def device(self) -> torch.device:
        return self.llm.get_input_embeddings().weight.device

    @property
    def dtype(self) -> torch.dtype:
        return self.llm.get_input_embeddings().weight.dtype

    @property
    def image_size(self) -> int:
        """Input side of the (first) tower: the anyres tile size to slice pages with."""
        return cast(VisionEncoder, self.encoders[0]).image_size

    @property
    def encoder_configs(self) -> list[EncoderConfig]:
        return [cast(VisionEncoder, encoder).config for encoder in self.encoders]

    @property
    def eos_token_id(self) -> int:
        return int(self.tokenizer.eos_token_id)

    def preprocess(self, images: Sequence[Image.Image]) -> list[torch.Tensor]:
        """PIL images -> one pixel tensor (batch, 3, S, S) per encoder."""
        return [cast(VisionEncoder, encoder).preprocess(images) for encoder in self.encoders]

    def project(self, pixel_values: Sequence[torch.Tensor]) -> torch.Tensor:
        """One pixel tensor per encoder -> image tokens in LLM space (batch, patches, llm_dim)."""
        if len(pixel_values) != len(self.encoders):
            raise OmniFusionError(
                f"{len(self.encoders)} encoder(s) need as many pixel tensors, got {len(pixel_values)}"
            )
        features = [encoder(pixels) for encoder, pixels in zip(self.encoders, pixel_values, strict=True)]
        reference = next(self.adapter.parameters())
        tokens = self.adapter([f.to(device=reference.device, dtype=reference.dtype) for f in features])
        return tokens.to(self.dtype)

    def encode_images(self, images: Sequence[Image.Image]) -> torch.Tensor:
        """PIL images (views of one page, or a batch) -> (n_images, patches, llm_dim)."""
        return self.project(self.preprocess(images))

    def embed_text(self, text: str) -> tuple[torch.Tensor, torch.Tensor]:
        """Token ids (n,) and their embeddings (n, llm_dim); no BOS/EOS is added, as in the release."""
        ids = self.tokenizer(text, add_special_tokens=False)["input_ids"]
        ids_tensor = torch.tensor(ids, dtype=torch.long, device=self.device)
        return ids_tensor, self.llm.get_input_embeddings()(ids_tensor)

    def build_prompt(
        self,
        turns: Sequence[Turn],
        image_tokens: torch.Tensor | None,
        add_generation_marker: bool = False,
        system_prompt: str | None = None,
    ) -> PromptInputs:
        """Lay out one dialog as ``inputs_embeds`` with labels on the assistant's tokens only.

        image_tokens: (n_views, patches, llm_dim) or (patches, llm_dim), or None for a text-only dialog.
        ``add_generation_marker`` appends BOT so the model answers next. ``system_prompt`` replaces the
        model's own system text (a chat request's system message goes there).
        """
        pieces: list[torch.Tensor] = []
        labels: list[torch.Tensor] = []
        segments: list[Segment] = []
        cursor = 0

        def add(name: str, embeds: torch.Tensor, target: torch.Tensor | None = None) -> None:
            nonlocal cursor
            n = embeds.shape[0]
            pieces.append(embeds.to(self.dtype))
            labels.append(
                target
                if target is not None
                else torch.full((n,), IGNORE_INDEX, dtype=torch.long, device=self.device)
            )
            segments.append(Segment(name, cursor, cursor + n))
            cursor += n

        def special(name: str) -> torch.Tensor:
            return self.special_embeddings[name].unsqueeze(0)

        _, system = self.embed_text(self.system_prompt if system_prompt is None else system_prompt)
        add("system", system)
        if image_tokens is not None:
            add("SOI", special("SOI"))
            add("image", image_tokens.reshape(-1, image_tokens.shape[-1]))
            add("EOI", special("EOI"))
        for turn in turns:
            ids, embeds = self.embed_text(turn.text)
            if turn.role == "user":
                add("USER", special("USER"))
                add("user", embeds)
            else:
                add("BOT", special("BOT"))
                eos = torch.tensor([self.eos_token_id], dtype=torch.long, device=self.device)
                eos_embed = self.llm.get_input_embeddings()(eos)
                add("assistant", torch.cat([embeds, eos_embed]), torch.cat([ids, eos]))
        if add_generation_marker:
            add("BOT", special("BOT"))
        return PromptInputs(torch.cat(pieces), torch.cat(labels), segments)

    def forward(self, batch: BatchInputs) -> Any:
        """Causal-LM outputs: ``.loss`` (mean cross-entropy on the assistant's tokens), ``.logits``."""
        return self.llm(
            inputs_embeds=batch.inputs_embeds, attention_mask=batch.attention_mask, labels=batch.labels
        )

    def _banned_token_ids(self, banned: Sequence[str]) -> list[list[int]]:
        sequences: list[list[int]] = []
        for text in banned:
            ids = list(self.tokenizer(text, add_special_tokens=False)["input_ids"])
            # eos must stay reachable or answers never end; sentencepiece may prefix a bare space piece
            candidates = [ids, ids[-1:]] if ids else []
            for seq in candidates:
                if seq and seq != [self.eos_token_id] and seq not in sequences:
                    sequences.append(seq)
        return sequences

    @torch.no_grad()
    def generate(
        self,
        turns: Sequence[Turn],
        images: Sequence[Image.Image] | None = None,
        settings: GenerationSettings | None = None,
    ) -> str:
        """Answer the last user turn. ``images`` are views of one image: the global view, then tiles."""
        settings = settings or GenerationSettings()
        if not turns or turns[-1].role != "user":
            raise OmniFusionError("generate() needs a dialog that ends with a user turn")
        image_tokens = self.encode_images(images) if images else None
        prompt = self.build_prompt(turns, image_tokens, add_generation_marker=True)
        embeds = prompt.inputs_embeds.unsqueeze(0)
        mask = torch.ones(embeds.shape[:2], dtype=torch.long, device=self.device)
        eos = settings.eos_token_id if settings.eos_token_id is not None else self.eos_token_id
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else eos
        options: dict[str, Any] = {
            "inputs_embeds": embeds,
            "attention_mask": mask,
            "max_new_tokens": settings.max_new_tokens,
            "num_beams": settings.num_beams,
            "do_sample": False,
            "no_repeat_ngram_size": settings.no_repeat_ngram_size,
            "eos_token_id": eos,
            "pad_token_id": pad,
        }
        banned = self._banned_token_ids(settings.banned)
        if banned:
            options["bad_words_ids"] = banned
        output = self.llm.generate(**options)
        return str(self.tokenizer.decode(output[0], skip_special_tokens=True)).strip()

    def answer_about_page(
        self,
        question: str,
        page: Image.Image,
        evidence_boxes: Sequence[tuple[float, float, float, float]] = (),
        max_evidence_tiles: int = 3,
        settings: GenerationSettings | None = None,
    ) -> str:
        """Answer about a page from its global view plus the tiles that hold the evidence boxes
        (original page pixels), as many as the context affords."""
        plan = plan_slices(page.width, page.height, self.image_size)
        chosen = evidence_tiles(plan, evidence_boxes, max_evidence_tiles) if evidence_boxes else []
        canvas = slice_image(page, plan)
        views = [canvas[0], *(canvas[tile.index] for tile in chosen)]
        return self.generate([Turn("user", question)], views, settings)

    def answer(
        self,
        question: str,
        images: Sequence[Image.Image] | None = None,
        settings: GenerationSettings | None = None,
    ) -> str:
        """One question about one image (its global view first, then any evidence tiles)."""
        return self.generate([Turn("user", question)], images, settings)
