"""Reading the official OmniMistral-v1_1 directory and the project's own safetensors layout; conversion."""

from __future__ import annotations

import json
import logging
import pickle
import shutil
import types
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from omnifusion.adapters import AdapterConfig, build_adapter
from omnifusion.encoders import EncoderConfig, load_encoder
from omnifusion.model import SPECIAL_NAMES, SYSTEM_PROMPT, OmniFusionModel
from omnifusion.runtime import ModelDirectoryError, resolve_device, resolve_dtype

logger = logging.getLogger(__name__)

CHECKPOINT_FILE = "omnifusion.json"
CHECKPOINT_FORMAT = "omnifusion-checkpoint"

OFFICIAL_LAYOUT = """an OmniFusion 1.1 directory such as OmniMistral-v1_1/ holds:
  projection.pt            the adapter, pickled whole (class VisualToGPTMapping)
  special_embeddings.pt    a dict with the SOI, EOI, USER and BOT vectors
  tuned-model/             the causal language model (config.json + weights)
  tokenizer/               the language model's tokenizer"""

CONVERTED_LAYOUT = f"""a converted OmniFusion directory (python -m omnifusion convert) holds:
  {CHECKPOINT_FILE}          adapter and encoder configuration
  adapter.safetensors      the adapter's weights
  special_embeddings.safetensors
  llm/ and tokenizer/      (or the paths named in {CHECKPOINT_FILE})"""


class CheckpointLayoutError(ModelDirectoryError):
    """A checkpoint directory is missing or does not have the expected layout."""


@dataclass
class CheckpointParts:
    """What a checkpoint directory holds, before any model is built.

    special_embeddings: name -> vector (llm_dim,); adapter_state: the adapter's state dict.
    """

    adapter_config: AdapterConfig
    adapter_state: dict[str, torch.Tensor]
    special_embeddings: dict[str, torch.Tensor]
    llm_dir: Path
    tokenizer_dir: Path
    encoders: list[EncoderConfig] = field(default_factory=list)
    system_prompt: str = SYSTEM_PROMPT


class _ReleasedModule(nn.Module):
    """Stand-in for the release's own classes: unpickling restores the submodules and weights."""


_released_classes: dict[str, type[nn.Module]] = {}


class _ReleaseUnpickler(pickle.Unpickler):
    """Resolves classes of the release's ``models`` module without that module being importable."""

    def find_class(self, module: str, name: str) -> Any:
        if module == "models" or module.startswith("models."):
            if name not in _released_classes:
                _released_classes[name] = type(name, (_ReleasedModule,), {"__module__": __name__})
            return _released_classes[name]
        return super().find_class(module, name)


_release_pickle = types.ModuleType("omnifusion_release_pickle")
_release_pickle.Unpickler = _ReleaseUnpickler  # type: ignore[attr-defined]
_release_pickle.load = pickle.load  # type: ignore[attr-defined]


def _layout_error(directory: Path, problem: str, layout: str = OFFICIAL_LAYOUT) -> CheckpointLayoutError:
    return CheckpointLayoutError(f"{directory}: {problem}.\nExpected {layout}")


def _adapter_from_module(module: nn.Module, source: Path) -> tuple[AdapterConfig, dict[str, torch.Tensor]]:
    """Map the unpickled ``VisualToGPTMapping`` onto :class:`TransformerAdapter`'s config and state."""
    state = {k: v.detach().clone() for k, v in module.state_dict().items()}
    layer = getattr(module, "transformer_layer", None)
    linear = getattr(module, "linear", None)
    if not isinstance(layer, nn.TransformerEncoderLayer) or not isinstance(linear, nn.Linear):
        raise _layout_error(
            source,
            f"projection.pt holds a {type(module).__name__} with weights {sorted(state)[:6]}..., "
            "not the transformer_layer + linear of VisualToGPTMapping",
        )
    config = AdapterConfig(
        kind="transformer",
        visual_dims=(layer.self_attn.embed_dim,),
        llm_dim=linear.out_features,
        num_heads=layer.self_attn.num_heads,
        feedforward_dim=layer.linear1.out_features,
        dropout=float(layer.dropout.p),
        norm_first=bool(layer.norm_first),
    )
    return config, state


def _read_special(path: Path, directory: Path, layout: str) -> dict[str, torch.Tensor]:
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        special = load_file(str(path))
    else:
        special = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(special, dict) or any(name not in special for name in SPECIAL_NAMES):
        found = sorted(special) if isinstance(special, dict) else type(special).__name__
        raise _layout_error(
            directory, f"{path.name} must map {', '.join(SPECIAL_NAMES)} to vectors, got {found}", layout
        )
    return {name: special[name].detach().reshape(-1) for name in SPECIAL_NAMES}


def _require(directory: Path, names: Sequence[str], layout: str) -> None:
    if not directory.is_dir():
        raise _layout_error(directory, "no such directory", layout)
    missing = [name for name in names if not (directory / name).exists()]
    if missing:
        raise _layout_error(directory, f"missing {', '.join(missing)}", layout)


def read_official(directory: str | Path) -> CheckpointParts:
    """Read the release's layout. ``projection.pt`` is a pickle: read only checkpoints you trust, and
    convert them once so later loads never unpickle."""
    source = Path(directory)
    _require(source, ["projection.pt", "special_embeddings.pt", "tuned-model", "tokenizer"], OFFICIAL_LAYOUT)
    try:
        module = torch.load(
            source / "projection.pt", map_location="cpu", weights_only=False, pickle_module=_release_pickle
        )
    except (pickle.UnpicklingError, EOFError, RuntimeError, AttributeError) as error:
        raise _layout_error(source, f"projection.pt could not be unpickled ({error})") from error
    if not isinstance(module, nn.Module):
        raise _layout_error(source, f"projection.pt holds a {type(module).__name__}, not a pickled module")
    adapter_config, adapter_state = _adapter_from_module(module, source)
    special = _read_special(source / "special_embeddings.pt", source, OFFICIAL_LAYOUT)
    width = adapter_config.llm_dim
    if any(v.numel() != width for v in special.values()):
        raise _layout_error(source, f"special embeddings must be vectors of the adapter's width {width}")
    return CheckpointParts(
        adapter_config, adapter_state, special, source / "tuned-model", source / "tokenizer"
    )


def _resolve(base: Path, value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else base / path


def read_converted(directory: str | Path) -> CheckpointParts:
    """Read the project's own layout (safetensors + JSON; nothing is unpickled)."""
    from safetensors.torch import load_file

    source = Path(directory)
    _require(
        source, [CHECKPOINT_FILE, "adapter.safetensors", "special_embeddings.safetensors"], CONVERTED_LAYOUT
    )
    try:
        settings = json.loads((source / CHECKPOINT_FILE).read_text())
        adapter_config = AdapterConfig.from_dict(settings["adapter"])
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise _layout_error(source, f"{CHECKPOINT_FILE} is malformed ({error})", CONVERTED_LAYOUT) from error
    if settings.get("format") != CHECKPOINT_FORMAT:
        raise _layout_error(source, f"{CHECKPOINT_FILE} is not an {CHECKPOINT_FORMAT} file", CONVERTED_LAYOUT)
    return CheckpointParts(
        adapter_config=adapter_config,
        adapter_state=load_file(str(source / "adapter.safetensors")),
        special_embeddings=_read_special(source / "special_embeddings.safetensors", source, CONVERTED_LAYOUT),
        llm_dir=_resolve(source, settings.get("llm", "llm")),
        tokenizer_dir=_resolve(source, settings.get("tokenizer", "tokenizer")),
        encoders=[EncoderConfig.from_dict(e) for e in settings.get("encoders", [])],
        system_prompt=settings.get("system_prompt", SYSTEM_PROMPT),
    )


def read_checkpoint(directory: str | Path) -> CheckpointParts:
    """Either layout, told apart by its files."""
    source = Path(directory)
    if (source / CHECKPOINT_FILE).is_file():
        return read_converted(source)
    if (source / "projection.pt").is_file():
        return read_official(source)
    raise _layout_error(source, "neither layout found", f"either\n{OFFICIAL_LAYOUT}\nor\n{CONVERTED_LAYOUT}")


def load_tokenizer(directory: Path) -> Any:
    """The LLM's tokenizer; the release's needs the slow (sentencepiece) class, and pad = unk."""
    from transformers import AutoTokenizer

    if not directory.is_dir():
        raise _layout_error(directory, "the tokenizer directory is missing")
    try:
        tokenizer = AutoTokenizer.from_pretrained(directory, use_fast=False, local_files_only=True)
    except (ImportError, OSError, ValueError) as error:
        # a folder with only tokenizer.model needs the sentencepiece package to be read at all
        raise ModelDirectoryError(
            f"{directory}: the tokenizer could not be loaded ({error}); a SentencePiece tokenizer "
            "(tokenizer.model, as in OmniMistral-v1_1) needs `pip install sentencepiece`"
        ) from error
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.unk_token if tokenizer.unk_token is not None else tokenizer.eos_token
    return tokenizer


def load_llm(directory: Path, dtype: torch.dtype) -> Any:
    from transformers import AutoModelForCausalLM

    if not (directory / "config.json").is_file():
        raise _layout_error(directory, "the language model directory has no config.json")
    return AutoModelForCausalLM.from_pretrained(directory, local_files_only=True, dtype=dtype)


def assemble_model(
    parts: CheckpointParts, encoders: Sequence[EncoderConfig], device: str = "cpu", dtype: str = "float32"
) -> OmniFusionModel:
    """Towers + adapter + LLM + tokenizer from ``parts``; empty adapter weights or special embeddings
    mean a fresh start (random adapter, special embeddings at the scale of token embeddings)."""
    if not encoders:
        raise ModelDirectoryError(
            "no vision encoder configured; pass the local CLIP directory "
            "(e.g. clip-vit-large-patch14-336) as an encoder config"
        )
    torch_dtype = resolve_dtype(dtype)
    towers = [load_encoder(config) for config in encoders]
    adapter = build_adapter(parts.adapter_config)
    if parts.adapter_state:
        adapter.load_state_dict(parts.adapter_state)
    model = OmniFusionModel(
        towers,
        adapter,
        load_llm(parts.llm_dir, torch_dtype),
        load_tokenizer(parts.tokenizer_dir),
        parts.special_embeddings or None,
        parts.system_prompt,
    )
    model.adapter.to(dtype=torch_dtype)
    # towers keep the dtype their own config names; everything shares one device
    return model.to(resolve_device(device)).eval()


def load_model(
    directory: str | Path,
    encoders: Sequence[EncoderConfig] | None = None,
    device: str = "cpu",
    dtype: str = "float32",
) -> OmniFusionModel:
    """Build a ready model from either layout. ``encoders`` configures the vision tower(s), which the
    release does not ship; a converted checkpoint may name them itself."""
    parts = read_checkpoint(directory)
    return assemble_model(parts, list(encoders) if encoders is not None else parts.encoders, device, dtype)


def _save_tensors(tensors: dict[str, torch.Tensor], path: Path) -> None:
    from safetensors.torch import save_file

    save_file({k: v.detach().cpu().contiguous() for k, v in tensors.items()}, str(path))


def write_converted(
    parts: CheckpointParts,
    destination: Path,
    llm_reference: str = "llm",
    tokenizer_reference: str = "tokenizer",
) -> None:
    """Write the JSON + safetensors half of the converted layout (the LLM is handled by the caller)."""
    destination.mkdir(parents=True, exist_ok=True)
    _save_tensors(parts.adapter_state, destination / "adapter.safetensors")
    _save_tensors(parts.special_embeddings, destination / "special_embeddings.safetensors")
    settings = {
        "format": CHECKPOINT_FORMAT,
        "version": 1,
        "adapter": parts.adapter_config.to_dict(),
        "encoders": [e.to_dict() for e in parts.encoders],
        "llm": llm_reference,
        "tokenizer": tokenizer_reference,
        "system_prompt": parts.system_prompt,
    }
    (destination / CHECKPOINT_FILE).write_text(json.dumps(settings, indent=2) + "\n")


def convert_checkpoint(source: str | Path, destination: str | Path) -> Path:
    """Official layout -> safetensors + JSON, so later loads never unpickle. Returns ``destination``."""
    parts = read_official(source)
    target = Path(destination)
    if target.exists() and any(target.iterdir()):
        raise CheckpointLayoutError(f"{target}: destination is not empty; choose a new directory")
    target.mkdir(parents=True, exist_ok=True)
    write_converted(parts, target)
    if any(parts.llm_dir.glob("*.safetensors")):
        shutil.copytree(parts.llm_dir, target / "llm")
    else:
        # keep the stored precision (bf16 for the release) rather than widening a 7B model to fp32
        from transformers import AutoModelForCausalLM

        llm = AutoModelForCausalLM.from_pretrained(parts.llm_dir, local_files_only=True, dtype="auto")
        llm.save_pretrained(target / "llm", safe_serialization=True)
    shutil.copytree(parts.tokenizer_dir, target / "tokenizer")
    logger.info("converted %s -> %s", source, target)
    return target


def model_parts(model: OmniFusionModel) -> CheckpointParts:
    """The adapter and special embeddings of a live model, for saving."""
    return CheckpointParts(
        adapter_config=model.adapter.config,
        adapter_state=dict(model.adapter.state_dict()),
        special_embeddings={name: model.special_embeddings[name] for name in SPECIAL_NAMES},
        llm_dir=Path("llm"),
        tokenizer_dir=Path("tokenizer"),
        encoders=model.encoder_configs,
        system_prompt=model.system_prompt,
    )
