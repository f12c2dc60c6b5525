"""A small keep-alive HTTP/1.1 load generator on raw asyncio sockets.

Light enough that one process of it outruns one uvicorn worker, so a ratio of two routes
measured with it is the server's ratio, not the client's.
"""

import asyncio
import time
from dataclasses import dataclass, field


@dataclass
class LoadResult:
    requests: int
    failures: int
    seconds: float
    latencies: list[float] = field(repr=False)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def http_request(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    body = await reader.readexactly(length) if length else b""
    return status, body


async def run_load(
    port: int,
    request: bytes,
    *,
    seconds: float,
    connections: int,
    accept: bytes = b"",
) -> LoadResult:
    """Send `request` over `connections` keep-alive connections for `seconds`.

    A response counts as a failure unless its status is 200 and its body holds `accept`.
    """
    deadline = time.perf_counter() + seconds
    latencies: list[float] = []
    failures = 0

    async def worker() -> None:
        nonlocal failures
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                writer.write(request)
                status, body = await _read_response(reader)
                latencies.append(time.perf_counter() - started)
                if status != 200 or accept not in body:
                    failures += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return LoadResult(len(latencies), failures, time.perf_counter() - started, latencies)
