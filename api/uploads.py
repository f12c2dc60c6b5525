"""Uploads (workbook imports) above the configured size are refused before they are read."""

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from infra.observability import header

TOO_LARGE = "上传的文件过大：不能超过 {limit} MB，请分成几个文件导入"
LENGTH_REQUIRED = "上传文件须给出 Content-Length"


class UploadLimit:
    """Multipart requests say their length up front (Content-Length), and are refused
    with 413 when it is over the limit; the body is counted as it arrives as well."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_multipart(scope):
            await self.app(scope, receive, send)
            return
        length = header(scope, b"content-length")
        if length is None or not length.isdigit():
            await _refuse(send, 411, "LENGTH_REQUIRED", LENGTH_REQUIRED)
            return
        if int(length) > self.max_bytes:
            message = TOO_LARGE.format(limit=round(self.max_bytes / 2**20, 1))
            await _refuse(send, 413, "UPLOAD_TOO_LARGE", message)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > int(length):
                raise ValueError("request body longer than its Content-Length")
            return message

        await self.app(scope, counted, send)


def _is_multipart(scope: Scope) -> bool:
    return (header(scope, b"content-type") or "").startswith("multipart/")


async def _refuse(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps(
        {"errors": [{"message": message, "extensions": {"code": code}}]}, ensure_ascii=False
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
