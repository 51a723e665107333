"""Command line: convert checkpoints, train, train the retriever, embed pages, answer, serve a model."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from omnifusion.runtime import OmniFusionError

if TYPE_CHECKING:
    from omnifusion.retrieval import VisualConfig


def _convert(args: argparse.Namespace) -> int:
    from omnifusion.checkpoint import convert_checkpoint

    target = convert_checkpoint(args.source, args.destination)
    print(f"converted {args.source} -> {target}")
    return 0


def _train(args: argparse.Namespace) -> int:
    from omnifusion.training import TrainConfig, train

    config = TrainConfig.from_file(
        args.config,
        stage=args.stage,
        output_dir=args.output_dir,
        max_steps=args.max_steps,
        device=args.device,
    )
    result = train(config)
    last = f", last loss {result.losses[-1]:.4f}" if result.losses else ""
    print(f"{config.stage}: {result.steps} steps{last}; model in {result.final_dir}")
    return 0


def _train_retriever(args: argparse.Namespace) -> int:
    from omnifusion.retriever import RetrieverTrainConfig, train_retriever

    config = RetrieverTrainConfig.from_file(
        args.config, mode=args.mode, output_dir=args.output_dir, device=args.device
    )
    result = train_retriever(config)
    print(
        f"{config.mode} retriever: {result.pairs} (query, page) pairs, "
        f"loss {result.losses[0]:.4f} -> {result.losses[-1]:.4f}; saved to {result.output_dir}"
    )
    return 0


def _visual_config(args: argparse.Namespace) -> VisualConfig:
    from omnifusion.retrieval import VisualConfig

    if args.config:
        return VisualConfig.from_dict(json.loads(Path(args.config).read_text()))
    if not (args.kind and args.path):
        raise OmniFusionError("give --config VISUAL_JSON, or --kind (clip|retriever) and --path MODEL_DIR")
    return VisualConfig(
        kind=args.kind,
        path=args.path,
        device=args.device,
        batch_size=args.batch_size,
        max_tiles=args.max_tiles,
    )


def _embed(args: argparse.Namespace) -> int:
    from PIL import Image

    from omnifusion.retrieval import VisualPageIndex

    config = _visual_config(args)
    index = VisualPageIndex.open(Path(args.index), config)
    next_id = args.first_page_id if args.first_page_id is not None else max(index.page_ids(), default=0) + 1
    added = []
    for offset, name in enumerate(args.images):
        with Image.open(name) as image:
            index.add_pages([(next_id + offset, image.convert("RGB"))])
        added.append({"page_id": next_id + offset, "image": name})
    if added:
        index.save()
    hits = index.search(args.query, args.k) if args.query else []
    if args.json:
        print(json.dumps({"added": added, "pages": len(index.page_ids()), "hits": hits}))
    else:
        for row in added:
            print(f"added page {row['page_id']}\t{row['image']}")
        print(f"{len(index.page_ids())} pages, {index.n_vectors} vectors in {args.index}")
        for page_id, score in hits:
            print(f"{page_id}\t{score:.4f}")
    return 0


def _answer(args: argparse.Namespace) -> int:
    from PIL import Image

    from omnifusion.checkpoint import load_model
    from omnifusion.encoders import EncoderConfig
    from omnifusion.slicing import plan_slices, slice_image

    encoders = [EncoderConfig(kind="clip", path=args.encoder, device=args.device)] if args.encoder else None
    model = load_model(args.checkpoint, encoders, device=args.device, dtype=args.dtype)
    with Image.open(args.image) as page:
        image = page.convert("RGB")
    plan = plan_slices(image.width, image.height, model.image_size, max(1, args.tiles))
    views = slice_image(image, plan)
    print(model.answer(args.question, views[: 1 + args.tiles]))
    return 0


def _serve(args: argparse.Namespace) -> int:
    from omnifusion.server import ServeOptions, load_worker, run

    options = ServeOptions(
        checkpoint=args.checkpoint,
        encoder=args.encoder,
        host=args.host,
        port=args.port,
        device=args.device,
        dtype=args.dtype,
        model_name=args.model_name,
        context=args.context,
        max_views=args.max_views,
        max_batch=args.max_batch,
        max_queue=args.max_queue,
    )
    worker, served = load_worker(options)
    print(
        f"serving {served.id} on http://{args.host}:{args.port}/v1 ({served.device}, {served.dtype})",
        flush=True,
    )
    run(worker, served, args.host, args.port, "info" if args.verbose else "warning")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m omnifusion", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    convert = commands.add_parser(
        "convert", help="official OmniMistral-v1_1 directory -> safetensors + config"
    )
    convert.add_argument("source", help="the official directory (projection.pt, special_embeddings.pt, ...)")
    convert.add_argument("destination", help="a new, empty directory")
    convert.set_defaults(run=_convert)

    train = commands.add_parser("train", help="train a stage: pretrain (adapter + markers) or sft (LLM too)")
    train.add_argument("--stage", choices=["pretrain", "sft"], required=True)
    train.add_argument("config", help="JSON training config (see omnifusion.training.TrainConfig)")
    train.add_argument("--output-dir")
    train.add_argument("--max-steps", type=int)
    train.add_argument("--device")
    train.set_defaults(run=_train)

    retriever = commands.add_parser(
        "train-retriever", help="train a retrieval head on (pseudo-query, page) pairs of your pages"
    )
    retriever.add_argument("config", help="JSON config (see omnifusion.retriever.RetrieverTrainConfig)")
    retriever.add_argument("--mode", choices=["single", "late"])
    retriever.add_argument("--output-dir")
    retriever.add_argument("--device")
    retriever.set_defaults(run=_train_retriever)

    embed = commands.add_parser("embed", help="add page images to a visual index, optionally search it")
    embed.add_argument("index", help="index directory (created if missing)")
    embed.add_argument("images", nargs="*", help="page images to add")
    embed.add_argument("--config", help="JSON visual config, as in the assistant's config file")
    embed.add_argument("--kind", choices=["clip", "retriever"])
    embed.add_argument("--path", help="CLIP or retriever directory")
    embed.add_argument("--device", default="cpu")
    embed.add_argument("--batch-size", type=int, default=8)
    embed.add_argument("--max-tiles", type=int, default=24)
    embed.add_argument("--first-page-id", type=int)
    embed.add_argument("--query", help="search the index after adding")
    embed.add_argument("-k", type=int, default=5)
    embed.add_argument("--json", action="store_true")
    embed.set_defaults(run=_embed)

    answer = commands.add_parser("answer", help="ask an OmniFusion checkpoint one question about an image")
    answer.add_argument("checkpoint")
    answer.add_argument("image")
    answer.add_argument("question")
    answer.add_argument("--encoder", help="CLIP directory (needed for the official layout)")
    answer.add_argument("--tiles", type=int, default=0, help="anyres tiles after the global view")
    answer.add_argument("--device", default="cpu")
    answer.add_argument("--dtype", default="float32")
    answer.set_defaults(run=_answer)

    serve = commands.add_parser(
        "serve",
        help="an OpenAI-compatible server (/v1/chat/completions, /v1/models, /health) for a checkpoint",
    )
    serve.add_argument("checkpoint", help="a converted or official OmniFusion checkpoint directory")
    serve.add_argument("--encoder", help="CLIP directory (needed for the official layout)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0 for all)")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--device", default="auto", help="cpu, cuda, cuda:N or auto (CUDA when present)")
    serve.add_argument("--dtype", default="", help="float32, float16 or bfloat16 (default: bfloat16 on CUDA)")
    serve.add_argument("--model-name", help="the id clients send as 'model' (default: the directory's name)")
    serve.add_argument("--context", type=int, default=4096, help="prompt + answer positions per request")
    serve.add_argument("--max-views", type=int, default=3, help="image views (576 tokens each) per request")
    serve.add_argument("--max-batch", type=int, default=8, help="requests decoded together")
    serve.add_argument("--max-queue", type=int, default=64, help="waiting requests before 503")
    serve.set_defaults(run=_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s"
    )
    try:
        return int(args.run(args))
    except OmniFusionError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
