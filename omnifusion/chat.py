"""Chat completions for OmniFusion: OpenAI-style requests -> prompt embeddings -> streamed text, one worker.

`parse_chat_request` checks a request body (messages with text and `image_url` data URIs) and reads
its images; `ChatEngine` turns requests into embeddings (anyres views of every image) and decodes a
batch of them token by token; `ModelWorker` is the one thread that owns the model, taking requests
from a queue and batching those that wait together.
"""

from __future__ import annotations

import base64
import binascii
import io
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import torch

from omnifusion.model import OmniFusionModel, Turn
from omnifusion.runtime import OmniFusionError
from omnifusion.slicing import WHITE, letterbox, plan_slices, slice_image

if TYPE_CHECKING:
    from PIL import Image

logger = logging.getLogger(__name__)

DEFAULT_MAX_TOKENS = 256
MAX_IMAGES = 8
MAX_IMAGE_PIXELS = 40_000_000
MAX_STOP = 4


class ChatRequestError(OmniFusionError):
    """A chat request the model cannot serve as sent (HTTP 400); `param` names the field."""

    def __init__(self, message: str, param: str | None = None) -> None:
        self.param = param
        super().__init__(message)


class QueueFull(OmniFusionError):
    """More requests wait than the server takes (HTTP 503 with Retry-After)."""


@dataclass
class ChatRequest:
    """One chat completion: the dialog, its images (in order of appearance) and the decoding options."""

    turns: list[Turn]
    images: list[Image.Image] = field(default_factory=list)
    system: str | None = None
    max_tokens: int | None = None
    temperature: float = 0.0
    top_p: float = 1.0
    stop: tuple[str, ...] = ()
    seed: int | None = None
    ignore_eos: bool = False
    stream: bool = False
    include_usage: bool = False
    model: str | None = None


def decode_image(url: object, param: str, max_pixels: int = MAX_IMAGE_PIXELS) -> Image.Image:
    """A `data:image/...;base64,...` URI as an RGB image; anything else is refused (nothing is fetched)."""
    from PIL import Image, UnidentifiedImageError

    if not isinstance(url, str) or not url.startswith("data:"):
        raise ChatRequestError(
            "images must be sent inline as data:image/...;base64 URIs; this server fetches no URLs", param
        )
    header, _, payload = url.partition(",")
    if ";base64" not in header or not header[5:].startswith("image/"):
        raise ChatRequestError(f"expected a base64 image data URI, got {header[:40]!r}", param)
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ChatRequestError(f"the image's base64 is damaged ({error})", param) from error
    try:
        with Image.open(io.BytesIO(raw)) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise ChatRequestError(
                    f"the image is {width}x{height} px, over the {max_pixels:,} pixel limit; send less",
                    param,
                )
            return image.convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise ChatRequestError(f"the image cannot be read ({error})", param) from error


def _number(body: Mapping[str, Any], name: str, low: float, high: float, default: float) -> float:
    value = body.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ChatRequestError(f"{name} must be a number from {low:g} to {high:g}, not {value!r}", name)
    return float(value)


def parse_chat_request(body: object, max_images: int = MAX_IMAGES) -> ChatRequest:
    """Check an OpenAI chat-completions body and read its images; `ChatRequestError` names what is wrong."""
    if not isinstance(body, Mapping):
        raise ChatRequestError("the request body must be a JSON object")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise ChatRequestError("messages must be a non-empty list", "messages")
    n = body.get("n", 1)
    if n != 1:
        raise ChatRequestError("only n=1 is served", "n")
    system: list[str] = []
    turns: list[Turn] = []
    images: list[Image.Image] = []
    for index, message in enumerate(messages):
        where = f"messages[{index}]"
        if not isinstance(message, Mapping):
            raise ChatRequestError(f"{where} must be an object", where)
        role = message.get("role")
        content = message.get("content")
        texts: list[str] = []
        if isinstance(content, str):
            texts.append(content)
        elif isinstance(content, list):
            for part_index, part in enumerate(content):
                part_where = f"{where}.content[{part_index}]"
                kind = part.get("type") if isinstance(part, Mapping) else None
                if kind == "text" and isinstance(part.get("text"), str):  # type: ignore[union-attr]
                    texts.append(part["text"])  # type: ignore[index]
                elif kind == "image_url":
                    if role != "user":
                        raise ChatRequestError("only user messages may hold images", part_where)
                    if len(images) >= max_images:
                        raise ChatRequestError(f"at most {max_images} images per request", part_where)
                    image_url = part.get("image_url")  # type: ignore[union-attr]
                    url = image_url.get("url") if isinstance(image_url, Mapping) else image_url
                    images.append(decode_image(url, part_where))
                else:
                    raise ChatRequestError("content parts must be text or image_url", part_where)
        elif content is not None or role != "assistant":
            raise ChatRequestError("content must be a string or a list of parts", f"{where}.content")
        text = "\n".join(texts)
        if role in ("system", "developer"):
            system.append(text)
        elif role in ("user", "assistant"):
            if turns and turns[-1].role == role:  # consecutive messages of one role read as one turn
                turns[-1] = Turn(role, turns[-1].text + "\n" + text)
            else:
                turns.append(Turn(role, text))
        else:
            raise ChatRequestError(f"role must be system, user or assistant, not {role!r}", f"{where}.role")
    if not turns or turns[-1].role != "user":
        raise ChatRequestError("the last message must come from the user", "messages")
    max_tokens = body.get("max_completion_tokens", body.get("max_tokens"))
    if max_tokens is not None and (
        isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1
    ):
        raise ChatRequestError(f"max_tokens must be a whole number above 0, not {max_tokens!r}", "max_tokens")
    stop = body.get("stop")
    stops: tuple[str, ...] = (
        (stop,) if isinstance(stop, str) else tuple(stop) if isinstance(stop, list) else ()
    )
    if stop is not None and (len(stops) > MAX_STOP or not all(isinstance(s, str) and s for s in stops)):
        raise ChatRequestError(
            f"stop must be a string or a list of up to {MAX_STOP} non-empty strings", "stop"
        )
    seed = body.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ChatRequestError("seed must be a whole number", "seed")
    options = body.get("stream_options")
    model = body.get("model")
    return ChatRequest(
        turns=turns,
        images=images,
        system="\n".join(system) if system else None,
        max_tokens=max_tokens,
        temperature=_number(body, "temperature", 0.0, 2.0, 0.0),
        top_p=_number(body, "top_p", 0.0, 1.0, 1.0) or 1.0,
        stop=stops,
        seed=seed,
        ignore_eos=bool(body.get("ignore_eos", False)),
        stream=bool(body.get("stream", False)),
        include_usage=bool(isinstance(options, Mapping) and options.get("include_usage")),
        model=model if isinstance(model, str) else None,
    )


@dataclass(frozen=True)
class Delta:
    text: str


@dataclass(frozen=True)
class Done:
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int


@dataclass(frozen=True)
class Failed:
    error: Exception


Event = Delta | Done | Failed


class Job:
    """One request on its way through the worker; events go to `sink` from the worker thread."""

    def __init__(self, request: ChatRequest, sink: Callable[[Event], None]) -> None:
        self.request = request
        self.sink = sink
        self.cancelled = threading.Event()
        self.finished = False
        self.prompt: torch.Tensor | None = None
        self.max_new = 0
        self.ids: list[int] = []
        self._shown = 0
        self._text = ""
        self._generator: torch.Generator | None = None
        if request.temperature > 0:
            self._generator = torch.Generator()
            self._generator.manual_seed(request.seed if request.seed is not None else time.monotonic_ns())

    def cancel(self) -> None:
        self.cancelled.set()

    def fail(self, error: Exception) -> None:
        if not self.finished:
            self.finished = True
            self.sink(Failed(error))

    def finish(self, reason: str) -> None:
        if self.finished:
            return
        rest = self._text[self._shown :]
        if rest and reason != "cancelled":
            self.sink(Delta(rest))
        self.finished = True
        prompt = 0 if self.prompt is None else int(self.prompt.shape[0])
        self.sink(Done(reason, prompt, len(self.ids)))

    def add(self, token: int, tokenizer: Any) -> None:
        """Take one generated token; show the text that is settled (no half character, no half stop)."""
        self.ids.append(token)
        text = str(tokenizer.decode(self.ids, skip_special_tokens=True))
        if text.endswith("\ufffd"):
            return  # a multi-byte character is still incomplete
        for stop in self.request.stop:
            at = text.find(stop, max(0, self._shown - len(stop)))
            if at >= 0:
                self._text = text[:at]
                self.finish("stop")
                return
        self._text = text
        held = max(
            (k for s in self.request.stop for k in range(1, len(s)) if text.endswith(s[:k])), default=0
        )
        settled = len(text) - held
        if settled > self._shown:
            self.sink(Delta(text[self._shown : settled]))
            self._shown = settled


class ChatEngine:
    """Prompts and batched decoding for one OmniFusion model. Not thread-safe: a `ModelWorker` owns it."""

    def __init__(self, model: OmniFusionModel, context: int = 4096, max_views: int = 3) -> None:
        if context < 16 or max_views < 1:
            raise OmniFusionError(
                f"context ({context}) must be at least 16 and max_views ({max_views}) at least 1"
            )
        self.model = model
        self.context = context
        self.max_views = max_views

    def views(self, images: Sequence[Image.Image]) -> list[Image.Image]:
        """Each image's global view, then anyres tiles of the project's slicing with the views left over."""
        if len(images) > self.max_views:
            raise ChatRequestError(
                f"{len(images)} images sent, but this server shows the model at most {self.max_views} views; "
                "send fewer images",
                "messages",
            )
        size = self.model.image_size
        spare = self.max_views - len(images)
        views: list[Image.Image] = []
        for index, image in enumerate(images):
            extra = spare // len(images) + (1 if index < spare % len(images) else 0)
            if extra >= 2:
                plan = plan_slices(image.width, image.height, size, extra)
                if plan.grid.n_tiles >= 2:
                    views.extend(slice_image(image, plan))
                    continue
            views.append(letterbox(image, (size, size), WHITE))
        return views

    def prepare(self, job: Job) -> None:
        """The request's prompt as embeddings (length, llm_dim), and how many tokens it may add."""
        request = job.request
        model = self.model
        views = self.views(request.images)
        image_tokens = model.encode_images(views) if views else None
        system = model.system_prompt + request.system + "\n" if request.system else None
        prompt = model.build_prompt(
            request.turns, image_tokens, add_generation_marker=True, system_prompt=system
        )
        length = int(prompt.inputs_embeds.shape[0])
        if length >= self.context:
            per_view = int(image_tokens.shape[1]) if image_tokens is not None else 0
            raise ChatRequestError(
                f"the prompt takes {length} positions ({len(views)} image view(s) of {per_view}) but the "
                f"model's context is {self.context}; send less text or fewer images",
                "messages",
            )
        job.prompt = prompt.inputs_embeds
        job.max_new = min(request.max_tokens or DEFAULT_MAX_TOKENS, self.context - length)

    @torch.no_grad()
    def run(self, jobs: Sequence[Job]) -> None:
        """Decode the jobs as one left-padded batch; every job ends with Done or Failed."""
        ready = []
        for job in jobs:
            try:
                self.prepare(job)
                ready.append(job)
            except Exception as error:  # one bad request must not sink the batch
                job.fail(error)
        if not ready:
            return
        try:
            self._decode(ready)
        except Exception as error:
            logger.exception("decoding a batch of %d failed", len(ready))
            for job in ready:
                job.fail(error)

    def _decode(self, jobs: Sequence[Job]) -> None:
        model, llm, tokenizer = self.model, self.model.llm, self.model.tokenizer
        eos = model.eos_token_id
        prompts = [job.prompt for job in jobs]
        assert all(p is not None for p in prompts)
        length = max(int(p.shape[0]) for p in prompts if p is not None)
        width = model.llm_dim
        embeds = torch.zeros((len(jobs), length, width), dtype=model.dtype, device=model.device)
        mask = torch.zeros((len(jobs), length), dtype=torch.long, device=model.device)
        for row, prompt in enumerate(prompts):
            assert prompt is not None
            n = int(prompt.shape[0])
            embeds[row, length - n :] = prompt  # left padding: every row's last position is real
            mask[row, length - n :] = 1
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        output = llm(
            inputs_embeds=embeds,
            attention_mask=mask,
            position_ids=positions,
            use_cache=True,
            logits_to_keep=1,
        )
        cache = _cache_of(output)
        logits = output.logits[:, -1, :].float()
        following = positions[:, -1:] + 1
        cache_argument = _cache_argument(llm)
        active = [True] * len(jobs)
        for _ in range(max(job.max_new for job in jobs)):
            tokens = self._choose(logits, jobs)
            for row, job in enumerate(jobs):
                if not active[row]:
                    continue
                token = int(tokens[row])
                if job.cancelled.is_set():
                    job.finish("cancelled")
                elif token == eos and not job.request.ignore_eos:
                    job.finish("stop")
                else:
                    job.add(token, tokenizer)
                    if not job.finished and len(job.ids) >= job.max_new:
                        job.finish("length")
                active[row] = not job.finished
            if not any(active):
                return
            mask = torch.cat([mask, mask.new_ones((len(jobs), 1))], dim=1)
            output = llm(
                input_ids=tokens[:, None].to(model.device),
                attention_mask=mask,
                position_ids=following,
                use_cache=True,
                **{cache_argument: cache},
            )
            cache = _cache_of(output)
            logits = output.logits[:, -1, :].float()
            following = following + 1
        for job in jobs:
            job.finish("length")

    @staticmethod
    def _choose(logits: torch.Tensor, jobs: Sequence[Job]) -> torch.Tensor:
        """Greedy for temperature 0; else nucleus sampling with each request's own random generator."""
        chosen = logits.argmax(dim=-1).cpu()
        for row, job in enumerate(jobs):
            request = job.request
            if request.temperature <= 0 or job.finished:
                continue
            probabilities = torch.softmax(logits[row].cpu() / request.temperature, dim=-1)
            if request.top_p < 1.0:
                ordered, order = probabilities.sort(descending=True)
                keep = ordered.cumsum(0) - ordered < request.top_p
                probabilities = torch.zeros_like(probabilities).scatter(0, order[keep], ordered[keep])
            chosen[row] = torch.multinomial(probabilities, 1, generator=job._generator)[0]
        return chosen


def _cache_argument(llm: Any) -> str:
    """The keyword a LM takes its KV cache by: `cache` in newer transformers, else `past_key_values`."""
    import inspect

    return "cache" if "cache" in inspect.signature(llm.forward).parameters else "past_key_values"


def _cache_of(output: Any) -> Any:
    for name in ("cache", "past_key_values"):
        value = getattr(output, name, None)
        if value is not None:
            return value
    raise OmniFusionError("the language model returned no KV cache (use_cache=True was ignored)")


class ModelWorker:
    """The one thread that runs the model: requests queue up, waiting ones are decoded as a batch."""

    def __init__(
        self, engine: ChatEngine, max_batch: int = 8, max_queue: int = 64, batch_window: float = 0.01
    ) -> None:
        self.engine = engine
        self.max_batch = max(1, max_batch)
        self.max_queue = max(1, max_queue)
        self.batch_window = batch_window
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.running = 0

    @property
    def queued(self) -> int:
        return self._queue.qsize()

    def start(self) -> ModelWorker:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="omnifusion-model", daemon=True)
                self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout)

    def submit(self, request: ChatRequest, sink: Callable[[Event], None]) -> Job:
        if self._thread is None:
            raise OmniFusionError("the model worker is not running")
        if self._queue.qsize() >= self.max_queue:
            raise QueueFull(f"{self.max_queue} requests are already waiting; retry in a moment")
        job = Job(request, sink)
        self._queue.put(job)
        return job

    def stream(self, request: ChatRequest, timeout: float | None = None) -> Iterator[str]:
        """The reply's text as it is generated, for callers in this process; errors are raised."""
        events: queue.Queue[Event] = queue.Queue()
        job = self.submit(request, events.put)
        try:
            while True:
                try:
                    event = events.get(timeout=timeout)
                except queue.Empty:
                    raise TimeoutError(f"the model produced nothing for {timeout:g} s") from None
                if isinstance(event, Delta):
                    yield event.text
                elif isinstance(event, Failed):
                    raise event.error
                else:
                    return
        finally:
            job.cancel()

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            deadline = time.monotonic() + self.batch_window
            while len(batch) < self.max_batch:
                try:
                    job = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if job is None:
                    self._queue.put(None)  # stop after this batch
                    break
                batch.append(job)
            for job in batch:
                if job.cancelled.is_set():
                    job.fail(OmniFusionError("cancelled before it started"))
            batch = [job for job in batch if not job.finished]
            self.running = len(batch)
            try:
                self.engine.run(batch)
            finally:
                self.running = 0
