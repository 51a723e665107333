"""Test helpers: a tiny checkpoint steered to say a fixed reply, and a server running in a thread."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch


def steer_checkpoint(source: Path, target: Path, clip: Path, reply: str) -> None:
    """Copy an official-layout checkpoint and rewire its LM so that greedy decoding says `reply`.

    With every attention and MLP output zeroed, the last hidden state is the (normed) embedding of
    the current input, so the LM head can map each input to the next token of the reply: after
    BOT the first token, after each token the next one, after the last one eos. The reply's tokens
    must all differ, as the mapping cannot see positions.
    """
    from omnifusion.checkpoint import load_model
    from omnifusion.encoders import EncoderConfig

    shutil.copytree(source, target)
    model = load_model(target, [EncoderConfig(kind="clip", path=str(clip))])
    llm, tokenizer = model.llm, model.tokenizer
    ids = [*tokenizer(reply, add_special_tokens=False)["input_ids"], model.eos_token_id]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{reply!r} repeats a token ({ids}); choose a reply whose tokens all differ")
    with torch.no_grad():
        for layer in llm.model.layers:
            layer.self_attn.o_proj.weight.zero_()
            layer.mlp.down_proj.weight.zero_()
        head = llm.lm_head.weight
        head.zero_()
        current = model.special_embeddings["BOT"].detach()
        for token in ids:
            hidden = llm.model.norm(current.reshape(1, 1, -1))[0, 0]
            head[token] += hidden / hidden.norm() * 40
            current = llm.get_input_embeddings().weight[token].detach()
    llm.save_pretrained(target / "tuned-model")


@contextmanager
def running(app: Any) -> Iterator[str]:
    """Serve an ASGI app on a free loopback port in a thread; yields its base URL."""
    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)
