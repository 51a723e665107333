"""REST hardening figures: an unauthenticated upload flood and an absurd image box, against a real server.

    python benchmarks/rest_guard_bench.py                  # this checkout
    python benchmarks/rest_guard_bench.py --code /work/main  # another checkout's code, for before/after

Starts `python -m assistant serve` (with an API key) on a workspace holding one generated manual, then
1. sends 16 concurrent unauthenticated 45 MiB multipart uploads (valid bodies) while timing /v1/health,
   and reports the replies, how much of each body the server took, and its peak RSS growth (VmHWM);
2. asks for a page image with box=0,0,1e10,1e10 (with the key) while timing /v1/health.
Writes benchmarks/results/rest_guard.md.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
KEY = "bench-key"
CLIENTS = 16
BODY = 45 * 2**20
MiB = 2**20


def _memory(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) // 1024
    return fields


def _upload_without_key(port: int) -> tuple[str, int]:
    head = b'--f\r\nContent-Disposition: form-data; name="files"; filename="a.pdf"\r\n\r\n'
    tail = b"\r\n--f--\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=600) as connection:
        connection.sendall(
            b"POST /v1/documents HTTP/1.1\r\nHost: bench\r\n"
            b"Content-Type: multipart/form-data; boundary=f\r\nContent-Length: %d\r\n\r\n" % BODY + head
        )
        sent, chunk = len(head), b"x" * MiB
        try:
            while sent < BODY - len(tail):
                sent += connection.send(chunk[: BODY - len(tail) - sent])
            connection.sendall(tail)
            sent += len(tail)
        except OSError:
            pass
        try:
            reply = connection.recv(200).split(b"\r\n", 1)[0].decode()
        except OSError as error:
            reply = type(error).__name__
    return reply, sent


def _timed_health(url: str) -> float:
    started = time.perf_counter()
    httpx.get(url + "/v1/health", timeout=600).raise_for_status()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout whose assistant package to run")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "tests" / "front"))
    from conftest import COFFEE_PAGES, write_manual  # the same generated manual the tests use

    with tempfile.TemporaryDirectory(prefix="rest-bench-") as scratch:
        workspace = Path(scratch) / "ws"
        manual = write_manual(Path(scratch) / "coffee.pdf", "Aurora CM-200", COFFEE_PAGES)
        env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
        env["PYTHONPATH"] = str(args.code)
        python = [sys.executable, "-m", "assistant"]
        # Run from that checkout: `python -m` puts the current directory first on the path.
        subprocess.run(
            [*python, "add", str(workspace), str(manual), "--no-enrich"], cwd=args.code, env=env, check=True
        )
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = subprocess.Popen(
            [*python, "serve", str(workspace), "--port", str(port), "--api-key", KEY],
            cwd=args.code,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            while True:
                try:
                    if httpx.get(url + "/v1/health").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.3)
            before = _memory(server.pid)
            started = time.perf_counter()
            with ThreadPoolExecutor(CLIENTS) as pool:
                flood = [pool.submit(_upload_without_key, port) for _ in range(CLIENTS)]
                health_during_flood = _timed_health(url)
                results = [future.result() for future in flood]
            flood_seconds = time.perf_counter() - started
            after = _memory(server.pid)

            headers = {"X-API-Key": KEY}
            document = httpx.get(url + "/v1/documents", headers=headers).json()[0]["id"]
            timings: dict[str, float] = {}

            def draw() -> None:
                begun = time.perf_counter()
                httpx.get(
                    f"{url}/v1/documents/{document}/pages/1/image",
                    params={"box": "0,0,1e10,1e10"},
                    headers=headers,
                    timeout=600,
                ).raise_for_status()
                timings["image"] = time.perf_counter() - begun

            drawing = threading.Thread(target=draw)
            drawing.start()
            time.sleep(0.3)
            timings["health"] = _timed_health(url)
            drawing.join()
        finally:
            server.terminate()
            server.wait()

    replies = sorted({reply for reply, _ in results})
    taken = max(sent for _, sent in results) / MiB
    lines = [
        f"# REST guard figures ({'this checkout' if args.code == ROOT else args.code})",
        "",
        "| measure | value |",
        "| --- | --- |",
        f"| {CLIENTS} unauthenticated 45 MiB uploads: replies | {', '.join(replies)} |",
        f"| most of one body the server accepted | {taken:.0f} MiB of 45 |",
        f"| server peak RSS growth (VmHWM) | {after['VmHWM'] - max(before.values())} MiB |",
        f"| whole flood, wall time | {flood_seconds:.1f} s |",
        f"| /v1/health during the flood | {health_during_flood:.2f} s |",
        f"| page image with box=0,0,1e10,1e10 | {timings['image']:.2f} s |",
        f"| /v1/health while that image is drawn | {timings['health']:.2f} s |",
        "",
    ]
    report = "\n".join(lines)
    print(report)
    if args.code == ROOT:
        (ROOT / "benchmarks" / "results" / "rest_guard.md").write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
