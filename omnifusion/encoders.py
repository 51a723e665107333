"""Frozen vision towers (CLIP, SigLIP, DINOv2, InternViT) behind one per-layer hidden-state interface."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import torch
from torch import nn

from omnifusion.runtime import JsonConfig, OmniFusionError, local_directory, resolve_device, resolve_dtype
from omnifusion.slicing import WHITE, letterbox

if TYPE_CHECKING:
    from PIL import Image

logger = logging.getLogger(__name__)

ENCODER_KINDS = ("clip", "siglip", "dinov2", "internvit")

# Normalisation each family was trained with; a preprocessor_config.json in the directory wins.
_DEFAULT_MEAN_STD: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    "clip": ((0.48145466, 0.4578275, 0.40821073), (0.26862954, 0.26130258, 0.27577711)),
    "siglip": ((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)),
    "dinov2": ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
    "internvit": ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
}


@dataclass(frozen=True)
class EncoderConfig(JsonConfig):
    """Which tower to load from which local directory, and which hidden layers to hand on.

    ``layers`` index ``hidden_states`` (embeddings output first), so ``-2`` is the penultimate layer,
    the one OmniFusion 1.1 takes from CLIP. ``image_size`` overrides the tower's native input size
    (DINOv2 at 336 gives the same 24x24 grid as CLIP ViT-L/14-336).
    """

    what: ClassVar[str] = "encoder"

    kind: str
    path: str
    layers: tuple[int, ...] = (-2,)
    image_size: int | None = None
    device: str = "cpu"
    dtype: str = "float32"

    def __post_init__(self) -> None:
        if self.kind not in ENCODER_KINDS:
            raise OmniFusionError(
                f"encoder kind must be one of {', '.join(ENCODER_KINDS)}, got {self.kind!r}"
            )
        if not self.layers:
            raise OmniFusionError("an encoder needs at least one hidden layer in 'layers'")


@dataclass(frozen=True)
class ImageNormalization:
    """Turns PIL images into the tower's pixel tensor: letterbox to ``size``, scale, normalise."""

    size: int
    mean: tuple[float, ...] = field(default=(0.5, 0.5, 0.5))
    std: tuple[float, ...] = field(default=(0.5, 0.5, 0.5))

    def __call__(self, images: Sequence[Image.Image]) -> torch.Tensor:
        """Returns pixel values (batch, 3, size, size), float32.

        Non-square images are letterboxed rather than centre-cropped as CLIP's processor does, because
        cropping a tall page drops its top and bottom.
        """
        if not images:
            raise OmniFusionError("no images to encode")
        arrays = [
            np.asarray(
                img.convert("RGB")
                if img.size == (self.size, self.size)
                else letterbox(img, (self.size, self.size), WHITE),
                dtype=np.float32,
            )
            for img in images
        ]
        pixels = torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2) / 255.0
        mean = torch.tensor(self.mean).view(1, 3, 1, 1)
        std = torch.tensor(self.std).view(1, 3, 1, 1)
        return (pixels - mean) / std


class VisionEncoder(nn.Module):
    """A frozen vision tower that returns the configured hidden layers as patch tokens.

    ``prefix_tokens`` leading tokens (CLS, DINOv2 registers) are dropped, so a 336x336 tile through
    CLIP ViT-L/14 gives 24x24 = 576 tokens.
    """

    tower: Any  # a transformers vision model with a ``config``

    def __init__(
        self, config: EncoderConfig, tower: Any, normalization: ImageNormalization, prefix_tokens: int
    ) -> None:
        super().__init__()
        self.config = config
        self.tower = tower
        self.normalization = normalization
        self.prefix_tokens = prefix_tokens
        self.tower.requires_grad_(False)
        self.tower.eval()

    def train(self, mode: bool = True) -> VisionEncoder:
        # the tower stays in eval mode whatever the surrounding model does: it is never trained
        super().train(mode)
        self.tower.eval()
        return self

    @property
    def hidden_size(self) -> int:
        return int(self.tower.config.hidden_size)

    @property
    def image_size(self) -> int:
        return self.normalization.size

    @property
    def device(self) -> torch.device:
        return next(self.tower.parameters()).device

    @property
    def dtype(self) -> torch.dtype:
        return next(self.tower.parameters()).dtype

    def preprocess(self, images: Sequence[Image.Image]) -> torch.Tensor:
        """PIL images -> pixel values (batch, 3, image_size, image_size) on the tower's device/dtype."""
        return self.normalization(images).to(device=self.device, dtype=self.dtype)

    def all_hidden_states(self, pixel_values: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Every hidden state, embeddings output first, each (batch, tokens, hidden_size)."""
        with torch.no_grad():
            outputs = self.tower(pixel_values=pixel_values, output_hidden_states=True)
        return tuple(outputs.hidden_states)

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        """pixel values (batch, 3, H, W) -> selected layers (batch, n_layers, patches, hidden_size)."""
        hidden = self.all_hidden_states(pixel_values.to(device=self.device, dtype=self.dtype))
        try:
            chosen = [hidden[i][:, self.prefix_tokens :] for i in self.config.layers]
        except IndexError:
            raise OmniFusionError(
                f"encoder layers {self.config.layers} out of range: the tower has {len(hidden)} hidden states"
            ) from None
        return torch.stack(chosen, dim=1)


def normalization_for(kind: str, directory: Path, image_size: int) -> ImageNormalization:
    """The normalisation ``kind`` was trained with, unless the directory's preprocessor_config.json says."""
    mean, std = _DEFAULT_MEAN_STD[kind]
    processor_file = directory / "preprocessor_config.json"
    if processor_file.is_file():
        settings = json.loads(processor_file.read_text())
        mean = tuple(settings.get("image_mean", mean))
        std = tuple(settings.get("image_std", std))
    return ImageNormalization(size=image_size, mean=mean, std=std)


def _native_size(tower_config: Any) -> int:
    size = getattr(tower_config, "image_size", None)
    if isinstance(size, (list, tuple)):
        size = size[0]
    if not isinstance(size, int):
        raise OmniFusionError("the tower's config has no image_size: set image_size in the encoder config")
    return size


def load_encoder(config: EncoderConfig) -> VisionEncoder:
    """Load the tower ``config`` names from its local directory (never from a hub), frozen, in eval mode."""
    directory = local_directory(config.path, f"the {config.kind} encoder directory")
    dtype = resolve_dtype(config.dtype)
    options: dict[str, Any] = {"local_files_only": True, "dtype": dtype}
    prefix_tokens = 1
    if config.kind == "clip":
        from transformers import CLIPVisionModel

        tower: nn.Module = CLIPVisionModel.from_pretrained(directory, **options)
    elif config.kind == "siglip":
        from transformers import SiglipVisionModel

        tower = SiglipVisionModel.from_pretrained(directory, **options)
        prefix_tokens = 0  # SigLIP has no CLS token: every output token is a patch
    elif config.kind == "dinov2":
        from transformers import AutoConfig, Dinov2Model, Dinov2WithRegistersModel

        tower_config = AutoConfig.from_pretrained(directory, local_files_only=True)
        if tower_config.model_type == "dinov2_with_registers":
            tower = Dinov2WithRegistersModel.from_pretrained(directory, **options)
            prefix_tokens = 1 + int(tower_config.num_register_tokens)
        else:
            tower = Dinov2Model.from_pretrained(directory, **options)
    else:
        from transformers import AutoModel

        # InternViT ships its modelling code next to the weights; it is read from that directory only
        tower = AutoModel.from_pretrained(directory, trust_remote_code=True, **options)
    tower.to(resolve_device(config.device))
    size = config.image_size or _native_size(tower.config)
    logger.info("loaded %s encoder from %s (%d px, layers %s)", config.kind, directory, size, config.layers)
    return VisionEncoder(config, tower, normalization_for(config.kind, directory, size), prefix_tokens)
