"""A retrieval head on the frozen OmniFusion tower + adapter, trained contrastively on pseudo-queries."""

from __future__ import annotations

import json
import logging
import math
import os
import random
import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import torch
from torch import nn
from torch.nn import functional as F

from omnifusion.adapters import Adapter, AdapterConfig, build_adapter
from omnifusion.checkpoint import load_tokenizer, read_checkpoint
from omnifusion.encoders import EncoderConfig, VisionEncoder, load_encoder
from omnifusion.runtime import (
    JsonConfig,
    ModelDirectoryError,
    OmniFusionError,
    local_directory,
    resolve_device,
    resolve_dtype,
)
from omnifusion.slicing import plan_slices, slice_image

if TYPE_CHECKING:
    from PIL import Image

logger = logging.getLogger(__name__)

RETRIEVER_FILE = "retriever.json"
RETRIEVER_FORMAT = "omnifusion-retriever"
MODES = ("single", "late")


@dataclass(frozen=True)
class RetrieverConfig(JsonConfig):
    """Shape of a trained retriever. ``late``: one ``dim``-d vector per image token and per query token,
    scored by MaxSim (ColPali-style); ``single``: one pooled vector per page and per query (DSE-style)."""

    what: ClassVar[str] = "retriever"

    encoder: Mapping[str, Any]
    adapter: Mapping[str, Any]
    mode: str = "late"
    dim: int = 128
    head_width: int = 512
    head_heads: int = 8
    query_max_tokens: int = 64
    max_tiles: int = 4

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise OmniFusionError(f"retriever mode must be 'single' or 'late', got {self.mode!r}")


class ProjectionHead(nn.Module):
    """LLM-space tokens (batch, n, llm_dim) -> unit vectors (batch, n, dim); narrow, mix, project."""

    def __init__(self, llm_dim: int, width: int, heads: int, dim: int) -> None:
        super().__init__()
        self.narrow = nn.Linear(llm_dim, width)
        self.context = nn.TransformerEncoderLayer(
            d_model=width,
            nhead=heads,
            dim_feedforward=2 * width,
            dropout=0.0,
            batch_first=True,
            norm_first=True,
        )
        self.project = nn.Linear(width, dim)

    def forward(self, tokens: torch.Tensor, padding: torch.Tensor | None = None) -> torch.Tensor:
        hidden = self.context(self.narrow(tokens), src_key_padding_mask=padding)
        return F.normalize(self.project(hidden), dim=-1)


def maxsim(
    queries: torch.Tensor,
    query_mask: torch.Tensor,
    documents: torch.Tensor,
    document_mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """Late-interaction scores of every query against every document.

    queries (nq, q_len, dim), query_mask (nq, q_len) with 1 on real tokens, documents (nd, d_len, dim),
    document_mask (nd, d_len) with True on real tokens -> (nq, nd): for each query token its best
    document token, summed. With one vector on each side this is the plain dot product, so
    single-vector retrieval shares the function.
    """
    similarity = torch.einsum("aqd,btd->abqt", queries, documents)
    if document_mask is not None:
        # padding must never be a document's best match, even when every real match is negative
        similarity = similarity.masked_fill(~document_mask[None, :, None, :], float("-inf"))
    best = similarity.max(dim=-1).values
    return (best * query_mask[:, None, :].to(best.dtype)).sum(dim=-1)


@dataclass
class QueryBatch:
    """Tokenised queries: ids and mask (batch, length)."""

    ids: torch.Tensor
    mask: torch.Tensor


class PageRetriever(nn.Module):
    """Frozen tower + frozen adapter + image head; frozen LLM token embeddings + query head.

    Both sides start in the LLM's input space (the adapter's output for images, the token-embedding
    table for text), so a query and a page are compared in a space the release already aligned.
    """

    def __init__(
        self,
        config: RetrieverConfig,
        encoder: VisionEncoder,
        adapter: Adapter,
        token_embeddings: torch.Tensor,
        tokenizer: Any,
    ) -> None:
        super().__init__()
        self.config = config
        self.encoder = encoder
        self.adapter = adapter
        self.token_embeddings = nn.Embedding.from_pretrained(token_embeddings.float(), freeze=True)
        self.tokenizer = tokenizer
        llm_dim = token_embeddings.shape[1]
        self.image_head = ProjectionHead(llm_dim, config.head_width, config.head_heads, config.dim)
        self.query_head = ProjectionHead(llm_dim, config.head_width, config.head_heads, config.dim)
        self.encoder.requires_grad_(False)
        self.adapter.requires_grad_(False)
        self.adapter.eval()

    @property
    def device(self) -> torch.device:
        return self.token_embeddings.weight.device

    def trainable_parameters(self) -> list[nn.Parameter]:
        return [*self.image_head.parameters(), *self.query_head.parameters()]

    def views(self, page: Image.Image, max_tiles: int | None = None) -> list[Image.Image]:
        """The page's global view and its anyres tiles, at the tower's input size."""
        budget = self.config.max_tiles if max_tiles is None else max_tiles
        if budget < 1:
            return slice_image(page, plan_slices(page.width, page.height, self.encoder.image_size, 1))[:1]
        return slice_image(page, plan_slices(page.width, page.height, self.encoder.image_size, budget))

    @torch.no_grad()
    def adapted_tokens(self, views: Sequence[Image.Image], batch_size: int = 8) -> torch.Tensor:
        """Views of one page -> frozen LLM-space tokens (n_views * patches, llm_dim), float32."""
        chunks = []
        for start in range(0, len(views), batch_size):
            pixels = self.encoder.preprocess(views[start : start + batch_size])
            features = self.encoder(pixels)
            reference = next(self.adapter.parameters())
            out = self.adapter([features.to(device=reference.device, dtype=reference.dtype)])
            chunks.append(out.float().reshape(-1, out.shape[-1]))
        return torch.cat(chunks)

    def pool_tokens(self, vectors: torch.Tensor, factor: int) -> torch.Tensor:
        """Mean-pool square blocks of ``factor`` x ``factor`` patches of each view, then renormalise.

        vectors (n_views * patches, dim) -> (n_views * ceil(side / factor)^2, dim).
        """
        if factor <= 1 or self.config.mode == "single":
            return vectors
        patches = self.adapter_tokens_per_view
        side = math.isqrt(patches)
        if side * side != patches:
            return vectors
        grid = vectors.reshape(-1, side, side, vectors.shape[-1]).permute(0, 3, 1, 2)
        pooled = F.avg_pool2d(grid, kernel_size=factor, stride=factor, ceil_mode=True)
        return F.normalize(pooled.permute(0, 2, 3, 1).reshape(-1, vectors.shape[-1]), dim=-1)

    @property
    def adapter_tokens_per_view(self) -> int:
        return (self.encoder.image_size // self._patch_size()) ** 2

    def _patch_size(self) -> int:
        config = self.encoder.tower.config
        return int(getattr(config, "patch_size", 14))

    def embed_page_tokens(self, tokens: torch.Tensor) -> torch.Tensor:
        """LLM-space tokens of pages (batch, n, llm_dim) -> (batch, n, dim) or pooled (batch, 1, dim)."""
        vectors = self.image_head(tokens)
        if self.config.mode == "single":
            return F.normalize(vectors.mean(dim=1, keepdim=True), dim=-1)
        return vectors

    def tokenize(self, queries: Sequence[str]) -> QueryBatch:
        encoded = self.tokenizer(
            list(queries),
            add_special_tokens=False,
            padding=True,
            truncation=True,
            max_length=self.config.query_max_tokens,
            return_tensors="pt",
        )
        ids, mask = encoded["input_ids"].to(self.device), encoded["attention_mask"].to(self.device)
        empty = mask.sum(dim=1) == 0
        if empty.any():  # a query of only spaces still needs one token to attend to
            mask[empty, 0] = 1
        return QueryBatch(ids, mask)

    def embed_queries(self, batch: QueryBatch) -> tuple[torch.Tensor, torch.Tensor]:
        """-> query vectors (batch, length, dim) and mask (batch, length); pooled to length 1 if single."""
        vectors = self.query_head(self.token_embeddings(batch.ids), padding=batch.mask == 0)
        if self.config.mode == "single":
            weights = batch.mask.unsqueeze(-1).to(vectors.dtype)
            pooled = (vectors * weights).sum(dim=1, keepdim=True) / weights.sum(dim=1, keepdim=True)
            return F.normalize(pooled, dim=-1), torch.ones_like(batch.mask[:, :1])
        return vectors, batch.mask


def read_token_embeddings(llm_dir: Path) -> torch.Tensor:
    """The LLM's input embedding table (vocab, llm_dim), read without loading the whole model."""
    from safetensors import safe_open

    for shard in sorted(llm_dir.glob("*.safetensors")):
        with safe_open(str(shard), framework="pt") as handle:
            for key in handle.keys():  # noqa: SIM118 - safe_open handles are not iterable
                if key.endswith("embed_tokens.weight"):
                    return handle.get_tensor(key)
    for shard in sorted(llm_dir.glob("*.bin")):
        state = torch.load(shard, map_location="cpu", weights_only=True, mmap=True)
        for key, value in state.items():
            if key.endswith("embed_tokens.weight"):
                return value.clone()
    raise ModelDirectoryError(f"{llm_dir}: no '*embed_tokens.weight' tensor in its safetensors or .bin files")


def _save_tensors(tensors: Mapping[str, torch.Tensor], path: Path) -> None:
    from safetensors.torch import save_file

    save_file({k: v.detach().cpu().contiguous() for k, v in tensors.items()}, str(path))


def save_retriever(retriever: PageRetriever, directory: Path) -> None:
    """Write a self-contained retriever directory atomically (the vision tower is referenced by path)."""
    staging = directory.with_name(directory.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    _save_tensors(retriever.adapter.state_dict(), staging / "adapter.safetensors")
    heads = {f"image_head.{k}": v for k, v in retriever.image_head.state_dict().items()}
    heads.update({f"query_head.{k}": v for k, v in retriever.query_head.state_dict().items()})
    _save_tensors(heads, staging / "head.safetensors")
    _save_tensors(
        {"weight": retriever.token_embeddings.weight.half()}, staging / "query_embeddings.safetensors"
    )
    retriever.tokenizer.save_pretrained(staging / "tokenizer")
    settings = {"format": RETRIEVER_FORMAT, "version": 1, **retriever.config.to_dict()}
    (staging / RETRIEVER_FILE).write_text(json.dumps(settings, indent=2) + "\n")
    shutil.rmtree(directory, ignore_errors=True)
    os.replace(staging, directory)


def load_retriever(
    directory: str | Path, device: str = "cpu", dtype: str = "float32", encoder_path: str | None = None
) -> PageRetriever:
    """Load a directory written by :func:`save_retriever` (or ``python -m omnifusion train-retriever``)."""
    from safetensors.torch import load_file

    source = local_directory(directory, "the retriever directory")
    settings_file = source / RETRIEVER_FILE
    if not settings_file.is_file():
        raise ModelDirectoryError(
            f"{source}: no {RETRIEVER_FILE}; a retriever directory (python -m omnifusion train-retriever) "
            f"holds {RETRIEVER_FILE}, adapter.safetensors, head.safetensors, query_embeddings.safetensors "
            "and tokenizer/"
        )
    settings = json.loads(settings_file.read_text())
    if settings.pop("format", None) != RETRIEVER_FORMAT:
        raise ModelDirectoryError(f"{settings_file} is not an {RETRIEVER_FORMAT} file")
    settings.pop("version", None)
    config = RetrieverConfig.from_dict(settings)
    encoder_settings = dict(config.encoder)
    encoder_settings.update(device=device, dtype=dtype)
    if encoder_path is not None:
        encoder_settings["path"] = encoder_path
    encoder = load_encoder(EncoderConfig.from_dict(encoder_settings))
    adapter = build_adapter(AdapterConfig.from_dict(config.adapter))
    adapter.load_state_dict(load_file(str(source / "adapter.safetensors")))
    embeddings = load_file(str(source / "query_embeddings.safetensors"))["weight"]
    retriever = PageRetriever(config, encoder, adapter, embeddings, load_tokenizer(source / "tokenizer"))
    heads = load_file(str(source / "head.safetensors"))
    retriever.image_head.load_state_dict({k[11:]: v for k, v in heads.items() if k.startswith("image_head.")})
    retriever.query_head.load_state_dict({k[11:]: v for k, v in heads.items() if k.startswith("query_head.")})
    target = resolve_device(device)
    retriever.adapter.to(device=target, dtype=resolve_dtype(dtype))
    retriever.token_embeddings.to(target)
    retriever.image_head.to(target)
    retriever.query_head.to(target)
    return retriever.eval()


# ---- training ---------------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?。])\s+|\n+")


def mine_pseudo_queries(
    text: str, per_page: int = 3, min_words: int = 4, max_words: int = 24, seed: int = 0
) -> list[str]:
    """Sentences of a page's own text layer used as stand-in questions about that page.

    Short fragments (headers, page numbers) and long paragraphs are skipped; a word or two is dropped
    from longer sentences so the head cannot rely on exact copying.
    """
    rng = random.Random(seed)
    sentences = [" ".join(s.split()) for s in _SENTENCE_END.split(text)]
    usable = [s for s in sentences if min_words <= len(s.split()) <= max_words]
    rng.shuffle(usable)
    queries = []
    for sentence in usable[:per_page]:
        words = sentence.split()
        if len(words) > 6:
            del words[rng.randrange(len(words))]
        queries.append(" ".join(words))
    return queries


@dataclass(frozen=True)
class RetrieverTrainConfig(JsonConfig):
    """What ``python -m omnifusion train-retriever CONFIG`` reads.

    ``checkpoint`` is an OmniFusion directory (official or converted) giving the adapter, the LLM
    token embeddings and the tokenizer; ``encoder`` the tower config; ``data`` a JSONL of pages,
    ``{"image": "page-3.png", "text": "the page's text layer"}`` (optionally ``"queries": [...]``).
    """

    what: ClassVar[str] = "retriever training"

    checkpoint: str
    encoder: Mapping[str, Any]
    data: str
    output_dir: str
    mode: str = "late"
    dim: int = 128
    head_width: int = 512
    head_heads: int = 8
    max_tiles: int = 4
    queries_per_page: int = 3
    epochs: int = 3
    batch_size: int = 16
    learning_rate: float = 5e-4
    temperature: float = 0.02
    device: str = "auto"
    dtype: str = "float32"
    seed: int = 0


@dataclass
class RetrieverTrainResult:
    """Mean contrastive loss per epoch, and where the retriever was saved."""

    losses: list[float] = field(default_factory=list)
    output_dir: Path | None = None
    pairs: int = 0


def _read_pages(path: Path) -> list[tuple[Path, str, list[str]]]:
    if not path.is_file():
        raise OmniFusionError(f"retriever data {path} does not exist (expected a JSONL of pages)")
    pages = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        record = json.loads(line)
        image = Path(record.get("image", ""))
        image = image if image.is_absolute() else path.parent / image
        if not image.is_file():
            raise OmniFusionError(f"{path}:{number}: page image {image} not found")
        pages.append((image, str(record.get("text", "")), list(record.get("queries", []))))
    if not pages:
        raise OmniFusionError(f"{path} holds no pages")
    return pages


def contrastive_loss(
    retriever: PageRetriever, page_tokens: Sequence[torch.Tensor], queries: Sequence[str], temperature: float
) -> torch.Tensor:
    """In-batch InfoNCE: query i's positive is page i, every other page in the batch is a negative.

    page_tokens: one (n_i, llm_dim) tensor of frozen adapter outputs per page.
    """
    length = max(t.shape[0] for t in page_tokens)
    padded = torch.zeros(len(page_tokens), length, page_tokens[0].shape[1], device=retriever.device)
    padding = torch.ones(len(page_tokens), length, dtype=torch.bool, device=retriever.device)
    for row, tokens in enumerate(page_tokens):
        padded[row, : tokens.shape[0]] = tokens
        padding[row, : tokens.shape[0]] = False
    vectors = retriever.image_head(padded, padding=padding)
    document_mask: torch.Tensor | None = ~padding
    if retriever.config.mode == "single":
        keep = (~padding).unsqueeze(-1).to(vectors.dtype)
        vectors = F.normalize((vectors * keep).sum(1, keepdim=True) / keep.sum(1, keepdim=True), dim=-1)
        document_mask = None
    query_vectors, query_mask = retriever.embed_queries(retriever.tokenize(queries))
    scores = maxsim(query_vectors, query_mask, vectors, document_mask)
    # normalise by query length so the temperature means the same for short and long queries
    scores = scores / query_mask.sum(dim=1, keepdim=True).clamp(min=1)
    targets = torch.arange(len(queries), device=retriever.device)
    return F.cross_entropy(scores / temperature, targets)


def _unique_page_batches(
    pairs: list[tuple[int, str]], batch_size: int, rng: random.Random
) -> list[list[tuple[int, str]]]:
    """Shuffle pairs into batches holding each page once, so no in-batch negative is a positive."""
    rng.shuffle(pairs)
    batches: list[list[tuple[int, str]]] = []
    open_batches: list[tuple[set[int], list[tuple[int, str]]]] = []
    for pair in pairs:
        for pages, batch in open_batches:
            if pair[0] not in pages and len(batch) < batch_size:
                pages.add(pair[0])
                batch.append(pair)
                break
        else:
            open_batches.append(({pair[0]}, [pair]))
    batches = [batch for _, batch in open_batches if len(batch) > 1]
    rng.shuffle(batches)
    return batches


def train_retriever(config: RetrieverTrainConfig) -> RetrieverTrainResult:
    """Train the heads; the tower and adapter are frozen, so their outputs are computed once per page."""
    from PIL import Image

    random_source = random.Random(config.seed)
    torch.manual_seed(config.seed)
    parts = read_checkpoint(config.checkpoint)
    encoder_config = EncoderConfig.from_dict(
        {**config.encoder, "device": config.device, "dtype": config.dtype}
    )
    encoder = load_encoder(encoder_config)
    adapter = build_adapter(parts.adapter_config)
    adapter.load_state_dict(parts.adapter_state)
    retriever_config = RetrieverConfig(
        encoder=encoder_config.to_dict(),
        adapter=parts.adapter_config.to_dict(),
        mode=config.mode,
        dim=config.dim,
        head_width=config.head_width,
        head_heads=config.head_heads,
        max_tiles=config.max_tiles,
    )
    retriever = PageRetriever(
        retriever_config,
        encoder,
        adapter,
        read_token_embeddings(parts.llm_dir),
        load_tokenizer(parts.tokenizer_dir),
    )
    device = resolve_device(config.device)
    retriever.adapter.to(device=device, dtype=resolve_dtype(config.dtype))
    retriever.token_embeddings.to(device)
    retriever.image_head.to(device)
    retriever.query_head.to(device)
    pages = _read_pages(Path(config.data))
    cache: list[torch.Tensor] = []
    pairs: list[tuple[int, str]] = []
    for index, (image_path, text, given) in enumerate(pages):
        with Image.open(image_path) as page:
            cache.append(retriever.adapted_tokens(retriever.views(page.convert("RGB"))))
        queries = given or mine_pseudo_queries(text, config.queries_per_page, seed=config.seed + index)
        pairs.extend((index, query) for query in queries)
    if len({page for page, _ in pairs}) < 2:
        raise OmniFusionError("contrastive training needs pseudo-queries from at least two pages")
    logger.info("training the %s retriever on %d pairs from %d pages", config.mode, len(pairs), len(pages))
    optimizer = torch.optim.AdamW(retriever.trainable_parameters(), lr=config.learning_rate)
    result = RetrieverTrainResult(pairs=len(pairs))
    output = Path(config.output_dir)
    retriever.train()
    for epoch in range(config.epochs):
        total, count = 0.0, 0
        for batch in _unique_page_batches(list(pairs), config.batch_size, random_source):
            loss = contrastive_loss(
                retriever, [cache[page] for page, _ in batch], [q for _, q in batch], config.temperature
            )
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total, count = total + float(loss.detach()), count + 1
        result.losses.append(total / max(1, count))
        logger.info("retriever epoch %d loss %.4f", epoch + 1, result.losses[-1])
        save_retriever(retriever, output)  # every epoch, atomically: a crash keeps the last good one
    retriever.eval()
    result.output_dir = output
    return result
