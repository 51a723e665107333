"""`omnifusion serve` on a GPU: time to first token and tokens/s at 1 and 8 concurrent clients.

    python benchmarks/omnifusion_serve_bench.py --out serve.json            # GPU: full-size, random weights
    python benchmarks/omnifusion_serve_bench.py --tiny --out /tmp/tiny.json # CPU: tests the script itself

The full-size OmniFusion 1.1 architecture is built with random weights straight on the GPU in bf16
(CLIP ViT-L/14-336 + the 1.1 transformer adapter + Mistral-7B; no weights are needed, timing only),
served in-process on loopback by the same worker and HTTP front as `python -m omnifusion serve`, and
asked by streaming HTTP clients: one image (global view + anyres tiles up to --max-views) and a
question, `ignore_eos` so every answer has --max-tokens tokens. Needs torch, transformers, pillow,
httpx, starlette and uvicorn (no assistant packages). Prints a markdown table; writes JSON to --out.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import platform
import statistics
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from omnifusion.adapters import AdapterConfig, build_adapter  # noqa: E402
from omnifusion.chat import ChatEngine, ModelWorker  # noqa: E402
from omnifusion.encoders import EncoderConfig, ImageNormalization, VisionEncoder  # noqa: E402
from omnifusion.model import OmniFusionModel  # noqa: E402
from omnifusion.server import ServedModel, create_app  # noqa: E402

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
VOCAB = 32000


def word_tokenizer(vocab: int) -> Any:
    """A tokenizer with `vocab` words w3..wN (+ unk, bos, eos): every id the random LM emits decodes."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    words = {"<unk>": 0, "<s>": 1, "</s>": 2, **{f"w{i}": i for i in range(3, vocab)}}
    core = Tokenizer(models.WordLevel(words, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return PreTrainedTokenizerFast(
        tokenizer_object=core, unk_token="<unk>", bos_token="<s>", eos_token="</s>", pad_token="<unk>"
    )


def build_model(tiny: bool, device: torch.device, dtype: torch.dtype) -> OmniFusionModel:
    """OmniFusion 1.1's shapes with random weights, created on `device` in `dtype` (no slow CPU init)."""
    from transformers import CLIPVisionConfig, CLIPVisionModel, MistralConfig, MistralForCausalLM

    if tiny:
        clip = CLIPVisionConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=3, num_attention_heads=4,
                                image_size=28, patch_size=14)  # fmt: skip
        mistral = MistralConfig(vocab_size=400, hidden_size=48, intermediate_size=96, num_hidden_layers=2,
                                num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=8192)  # fmt: skip
        adapter = AdapterConfig(visual_dims=(32,), llm_dim=48, feedforward_dim=64)
    else:
        clip = CLIPVisionConfig(hidden_size=1024, intermediate_size=4096, num_hidden_layers=24,
                                num_attention_heads=16, image_size=336, patch_size=14, projection_dim=768)  # fmt: skip
        mistral = MistralConfig(vocab_size=VOCAB, hidden_size=4096, intermediate_size=14336, num_hidden_layers=32,
                                num_attention_heads=32, num_key_value_heads=8, max_position_embeddings=32768,
                                rope_theta=10000.0, sliding_window=4096)  # fmt: skip
        adapter = AdapterConfig()  # the released VisualToGPTMapping: 1024 -> 4096, 4 heads
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device(device):
            tower = CLIPVisionModel(clip)
            llm = MistralForCausalLM(mistral)
            projector = build_adapter(adapter)
    finally:
        torch.set_default_dtype(previous)
    config = EncoderConfig(
        kind="clip", path="(random)", device=str(device), dtype=str(dtype).removeprefix("torch.")
    )
    encoder = VisionEncoder(config, tower.eval(), ImageNormalization(clip.image_size, CLIP_MEAN, CLIP_STD), 1)
    model = OmniFusionModel([encoder], projector, llm, word_tokenizer(mistral.vocab_size))
    return model.to(device=device, dtype=dtype).eval()


def page_image_uri(width: int, height: int) -> str:
    """A page-like crop: lines of dark 'text' on white (what the assistant sends as evidence)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for y in range(30, height - 30, 28):
        draw.rectangle((40, y, width - 40 - (y * 7) % 200, y + 12), fill=(30, 30, 30))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def request_body(model: str, words: int, max_tokens: int, image: str) -> dict[str, Any]:
    text = " ".join(f"w{3 + (i * 7919) % 9000}" for i in range(words))
    return {
        "model": model,
        "messages": [
            {"role": "system", "content": "w10 w11 w12 w13"},
            {
                "role": "user",
                "content": [
                    {"type": "image_url", "image_url": {"url": image}},
                    {"type": "text", "text": text},
                ],
            },
        ],
        "max_tokens": max_tokens,
        "temperature": 0,
        "ignore_eos": True,
        "stream": True,
        "stream_options": {"include_usage": True},
    }


def one_request(client: httpx.Client, url: str, body: dict[str, Any]) -> dict[str, float]:
    started = time.perf_counter()
    first: float | None = None
    usage: dict[str, int] = {}
    with client.stream("POST", url + "/v1/chat/completions", json=body) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if not line.startswith("data:") or line == "data: [DONE]":
                continue
            data = json.loads(line[5:])
            if data.get("usage"):
                usage = data["usage"]
            for choice in data.get("choices") or []:
                if (choice.get("delta") or {}).get("content") and first is None:
                    first = time.perf_counter() - started
    total = time.perf_counter() - started
    tokens = int(usage.get("completion_tokens", 0))
    first = first if first is not None else total
    return {
        "ttft_s": first,
        "total_s": total,
        "tokens": tokens,
        "prompt_tokens": int(usage.get("prompt_tokens", 0)),
        "decode_tokens_per_s": (tokens - 1) / (total - first) if tokens > 1 and total > first else 0.0,
    }


def scenario(url: str, body: dict[str, Any], clients: int, per_client: int) -> dict[str, Any]:
    results: list[dict[str, float]] = []
    errors: list[str] = []
    barrier = threading.Barrier(clients)

    def run() -> None:
        with httpx.Client(timeout=600) as client:
            barrier.wait()
            for _ in range(per_client):
                try:
                    results.append(one_request(client, url, body))
                except Exception as error:  # reported in the table, not fatal to the other clients
                    errors.append(repr(error))

    started = time.perf_counter()
    threads = [threading.Thread(target=run) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    ttft = [r["ttft_s"] for r in results]
    return {
        "clients": clients,
        "requests": len(results),
        "errors": errors,
        "ttft_p50_s": round(statistics.median(ttft), 3) if ttft else None,
        "ttft_max_s": round(max(ttft), 3) if ttft else None,
        "per_request_tokens_per_s_p50": round(statistics.median(r["decode_tokens_per_s"] for r in results), 1)
        if results
        else None,
        "aggregate_tokens_per_s": round(sum(r["tokens"] for r in results) / wall, 1),
        "prompt_tokens": results[0]["prompt_tokens"] if results else None,
        "completion_tokens": results[0]["tokens"] if results else None,
        "wall_s": round(wall, 2),
    }


def serve(worker: ModelWorker, served: ServedModel) -> tuple[str, Any, threading.Thread]:
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(create_app(worker, served), host="127.0.0.1", port=0,
                                           log_level="warning", lifespan="off"))  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the server did not start")
        time.sleep(0.05)
    return f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}", server, thread


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, help="where to write the JSON results")
    parser.add_argument("--tiny", action="store_true", help="tiny random model on CPU (tests this script)")
    parser.add_argument("--device", default=None, help="default: cuda, or cpu with --tiny")
    parser.add_argument(
        "--max-tokens", type=int, default=None, help="tokens per answer (default 128; 16 tiny)"
    )
    parser.add_argument("--words", type=int, default=300, help="question + evidence text, in tokens")
    parser.add_argument(
        "--max-views", type=int, default=3, help="views per image (576 tokens each at full size)"
    )
    parser.add_argument("--max-batch", type=int, default=8)
    parser.add_argument("--requests", type=int, default=4, help="requests per client at 1 client (2 at 8)")
    args = parser.parse_args()
    device = torch.device(args.device or ("cpu" if args.tiny else "cuda"))
    dtype = torch.float32 if device.type == "cpu" else torch.bfloat16
    max_tokens = args.max_tokens or (16 if args.tiny else 128)
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
    started = time.perf_counter()
    model = build_model(args.tiny, device, dtype)
    if device.type == "cuda":
        torch.cuda.synchronize()
    build_s = time.perf_counter() - started
    parameters = sum(p.numel() for p in model.parameters())
    engine = ChatEngine(model, context=4096, max_views=args.max_views)
    worker = ModelWorker(engine, max_batch=args.max_batch).start()
    served = ServedModel(
        "omnifusion-1.1-random", str(device), str(dtype).removeprefix("torch."), 4096, args.max_views
    )
    url, server, thread = serve(worker, served)
    body = request_body(served.id, args.words, max_tokens, page_image_uri(1000, 700))
    try:
        warm = scenario(url, dict(body, max_tokens=8), clients=1, per_client=2)  # CUDA kernels, allocator
        one = scenario(url, body, clients=1, per_client=args.requests)
        eight = scenario(url, body, clients=8, per_client=2)
    finally:
        server.should_exit = True
        thread.join(30)
        worker.stop()
    report = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.node()}, {platform.machine()}, Python {platform.python_version()}",
        "gpu": torch.cuda.get_device_name(device) if device.type == "cuda" else None,
        "torch": torch.__version__,
        "transformers": __import__("transformers").__version__,
        "command": "python benchmarks/omnifusion_serve_bench.py " + " ".join(sys.argv[1:]),
        "model": "tiny random"
        if args.tiny
        else "OmniFusion 1.1 shapes (CLIP ViT-L/14-336 + adapter + Mistral-7B), random",
        "parameters": parameters,
        "dtype": str(dtype),
        "build_s": round(build_s, 1),
        "max_tokens": max_tokens,
        "max_views": args.max_views,
        "peak_gpu_memory_gib": round(torch.cuda.max_memory_allocated(device) / 2**30, 1)
        if device.type == "cuda"
        else None,
        "warm_up": warm,
        "scenarios": [one, eight],
    }
    Path(args.out).write_text(json.dumps(report, indent=1) + "\n")
    text = markdown(report, args.max_views)
    Path(args.out).with_suffix(".md").write_text(text)
    print(text)


def markdown(report: dict[str, Any], max_views: int) -> str:
    one = report["scenarios"][0]
    lines = [
        "# OmniFusion serving (`benchmarks/omnifusion_serve_bench.py`)",
        "",
        f"Measured {report['date']} on {report['gpu'] or report['machine']} (torch {report['torch']}, "
        f"transformers {report['transformers']}), with `{report['command']}`.",
        "",
        f"{report['model']}: {report['parameters'] / 1e9:.2f} B parameters in {report['dtype']}, built in "
        f"{report['build_s']} s. Each request: one 1000x700 page crop ({max_views} views) and "
        f"{one['prompt_tokens']} prompt positions in all, {report['max_tokens']} new tokens (`ignore_eos`), "
        "streamed over loopback HTTP; the worker decodes waiting requests as one batch.",
        "",
        "| clients | requests | time to first token p50 | max | tokens/s per request p50 | tokens/s, all clients "
        "| errors |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in report["scenarios"]:
        lines.append(
            f"| {row['clients']} | {row['requests']} | {row['ttft_p50_s']} s | {row['ttft_max_s']} s "
            f"| {row['per_request_tokens_per_s_p50']} | {row['aggregate_tokens_per_s']} | {len(row['errors'])} |"
        )
    if report["peak_gpu_memory_gib"] is not None:
        lines += ["", f"Peak GPU memory: {report['peak_gpu_memory_gib']} GiB."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
