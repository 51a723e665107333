"""Device and dtype choice from configuration strings, and the project's typed errors."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar

if TYPE_CHECKING:
    import torch

DTYPES = ("float32", "float16", "bfloat16")

_Config = TypeVar("_Config")


class OmniFusionError(Exception):
    """Base class of the errors a user of the omnifusion package can hit."""


class ModelDirectoryError(OmniFusionError):
    """A configured model directory is missing or does not hold what it should."""


def resolve_device(name: str) -> torch.device:
    """``"cpu"``, ``"cuda"``, ``"cuda:1"`` or ``"auto"`` (CUDA when present) as a torch device."""
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise OmniFusionError(f"device {name!r} is configured but CUDA is not available: use device 'cpu'")
    return device


def resolve_dtype(name: str) -> torch.dtype:
    """One of ``float32``, ``float16``, ``bfloat16`` as a torch dtype."""
    import torch

    if name not in DTYPES:
        raise OmniFusionError(f"dtype must be one of {', '.join(DTYPES)}, got {name!r}")
    return {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}[name]


def local_directory(path: str | Path, what: str) -> Path:
    """``path`` as an existing local directory; hub names are refused because nothing may download."""
    directory = Path(path).expanduser()
    if not directory.is_dir():
        raise ModelDirectoryError(
            f"{what} must be a local directory with the weights, but {str(path)!r} is not one "
            "(weights are never downloaded: copy them to this machine and configure their path)"
        )
    return directory


def config_from_dict(cls: type[_Config], data: Mapping[str, Any], what: str) -> _Config:
    """Build a frozen config dataclass from plain JSON data: lists become tuples, unknown keys are refused."""
    # nested settings (encoder, adapter) stay plain mappings; only top-level lists become tuples
    known = {f.name: f for f in fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise OmniFusionError(f"unknown {what} setting(s) {', '.join(unknown)}; known: {', '.join(known)}")
    values = {key: tuple(value) if isinstance(value, list) else value for key, value in data.items()}
    try:
        return cls(**values)
    except TypeError as error:
        raise OmniFusionError(f"incomplete {what} settings: {error}") from error


class JsonConfig:
    """Mixin for frozen config dataclasses that travel as plain JSON (config files, checkpoints)."""

    what: ClassVar[str] = "config"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        return config_from_dict(cls, data, cls.what)

    @classmethod
    def from_file(cls, path: str | Path, **overrides: Any) -> Self:
        """Read a JSON file; ``overrides`` that are not None (command-line options) win."""
        try:
            values = json.loads(Path(path).read_text())
        except (OSError, json.JSONDecodeError) as error:
            raise OmniFusionError(f"cannot read the {cls.what} config {path}: {error}") from error
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls.from_dict(values)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data (tuples become lists, nested mappings become dicts)."""
        plain = {}
        for key, value in asdict(self).items():  # type: ignore[call-overload]
            if isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, Mapping):
                value = dict(value)
            plain[key] = value
        return plain
