"""A fake provider on loopback answering as the Bot API, the Graph API, Meta's CDN and Twilio document their media,
recording every request; and the files it serves."""

from __future__ import annotations

import asyncio
import base64
import io
from dataclasses import dataclass, field

from aiohttp import web
from PIL import Image

BOT_TOKEN = "7350012345:AAFakeMediaTokenForTests_x9QpLmZ01"
WA_TOKEN = "EAAGmediaTestAccessToken0123456789"
TWILIO_SID = "AC00000000000000000000000000000000"
TWILIO_TOKEN = "twilio-auth-token-0123456789abcdef"
GRAPH_VERSION = "v26.0"
MB = 1024 * 1024
GPS_IFD = 0x8825


def jpeg(gps: bool = False, size: tuple[int, int] = (64, 48)) -> bytes:
    """A small JPEG photo, with an EXIF GPS position (south of Lombok) when asked."""
    image = Image.new("RGB", size, (180, 120, 60))
    out = io.BytesIO()
    exif = Image.Exif()
    if gps:
        exif[GPS_IFD] = {1: "S", 2: (8.0, 35.0, 12.0), 3: "E", 4: (116.0, 6.0, 30.0)}
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def gps_of(data: bytes) -> dict:
    """The GPS tags of a stored image's EXIF (empty when it has none)."""
    with Image.open(io.BytesIO(data)) as image:
        return dict(image.getexif().get_ifd(GPS_IFD))


@dataclass
class Seen:
    """One request the fake received."""

    method: str
    path: str
    authorization: str | None


@dataclass
class Body:
    """What one streamed answer sent before the client went away."""

    sent: int = 0
    complete: bool = False
    done: asyncio.Event = field(default_factory=asyncio.Event)


class FakeProvider:
    """Bot API (`/bot<token>/getMe|getFile`, `/file/bot<token>/<path>`), Graph (`/<version>/<media id>` and a
    lookaside path, both wanting the bearer token), a CDN (`/cdn/<name>`, no header), Twilio (`MediaUrl` wanting
    Basic auth, answered with a 307 to `/twilio-media/<sid>`), and `/big/<name>`: a 30 MB body."""

    def __init__(self) -> None:
        self.url = ""
        self.seen: list[Seen] = []
        self.files: dict[str, bytes] = {}  # name -> bytes, served under every provider's path
        self.fail_first: dict[str, int] = {}  # name -> how many times to answer 500 first
        self.redirect_to: str | None = None  # where Twilio's media redirect points (default: our own media path)
        self.big = Body()
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self.bot_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self.bot_file)
        app.router.add_get(f"/{GRAPH_VERSION}/{{media_id}}", self.graph_media)
        app.router.add_get("/lookaside/whatsapp_business/attachments/", self.lookaside)
        app.router.add_get("/cdn/{name}", self.cdn)
        app.router.add_get("/2010-04-01/Accounts/{sid}/Messages/{message}/Media/{name}", self.twilio_media)
        app.router.add_get("/twilio-media/{name}", self.twilio_cdn)
        app.router.add_get("/big/{name}", self.big_body)
        self.app = app

    def _record(self, request: web.Request) -> None:
        self.seen.append(Seen(request.method, request.path, request.headers.get("Authorization")))

    def paths(self) -> list[str]:
        return [s.path for s in self.seen]

    def media_requests(self) -> list[Seen]:
        """The requests other than the Bot API's methods (the app asks getMe when it starts)."""
        return [s for s in self.seen if not s.path.startswith("/bot")]

    def _file(self, name: str) -> web.Response:
        if self.fail_first.get(name, 0) > 0:
            self.fail_first[name] -= 1
            return web.Response(status=500, text="internal error")
        if name not in self.files:
            return web.Response(status=404, text="not found")
        return web.Response(body=self.files[name], content_type="application/octet-stream")

    # -- Telegram ----------------------------------------------------------------------------------

    async def bot_api(self, request: web.Request) -> web.Response:
        self._record(request)
        if request.match_info["token"] != BOT_TOKEN:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = dict(await request.post()) if request.can_read_body else dict(request.query)
        if method == "getMe":
            return web.json_response({"ok": True, "result": {"id": 7350012345, "is_bot": True, "first_name": "Aduan",
                                                             "username": "AduanMediaBot"}})
        if method == "getFile":
            file_id = str(params.get("file_id"))
            if file_id not in self.files:
                return web.json_response({"ok": False, "error_code": 400,
                                          "description": "Bad Request: invalid file_id"}, status=400)
            return web.json_response({"ok": True, "result": {
                "file_id": file_id, "file_unique_id": f"u{file_id[-6:]}", "file_size": len(self.files[file_id]),
                "file_path": f"photos/{file_id}.jpg"}})
        return web.json_response({"ok": True, "result": True})

    async def bot_file(self, request: web.Request) -> web.Response:
        self._record(request)
        if request.match_info["token"] != BOT_TOKEN:
            return web.Response(status=404)
        return self._file(request.match_info["path"].removeprefix("photos/").removesuffix(".jpg"))

    # -- WhatsApp ----------------------------------------------------------------------------------

    def _bearer_ok(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {WA_TOKEN}"

    async def graph_media(self, request: web.Request) -> web.Response:
        self._record(request)
        if not self._bearer_ok(request):
            return web.json_response({"error": {"message": "Invalid OAuth access token.", "type": "OAuthException",
                                                "code": 190}}, status=401)
        media_id = request.match_info["media_id"]
        if media_id not in self.files:
            return web.json_response({"error": {"message": "Unsupported get request.", "code": 100}}, status=400)
        return web.json_response({
            "messaging_product": "whatsapp",
            "url": f"{self.url}/lookaside/whatsapp_business/attachments/?mid={media_id}&ext=1764028800&hash=ATsx",
            "mime_type": "image/jpeg", "sha256": "4f1c0d2e", "file_size": str(len(self.files[media_id])),
            "id": media_id})

    async def lookaside(self, request: web.Request) -> web.Response:
        self._record(request)
        if not self._bearer_ok(request):
            return web.Response(status=401, text="Unauthorized")
        return self._file(request.query.get("mid", ""))

    # -- Messenger / Instagram CDN ------------------------------------------------------------------

    async def cdn(self, request: web.Request) -> web.Response:
        self._record(request)
        return self._file(request.match_info["name"])

    # -- Twilio ------------------------------------------------------------------------------------

    async def twilio_media(self, request: web.Request) -> web.Response:
        self._record(request)
        expected = "Basic " + base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return web.json_response({"code": 20003, "message": "Authenticate", "status": 401}, status=401)
        name = request.match_info["name"]
        target = self.redirect_to or f"{self.url}/twilio-media/{name}"
        raise web.HTTPTemporaryRedirect(target)

    async def twilio_cdn(self, request: web.Request) -> web.Response:
        self._record(request)
        return self._file(request.match_info["name"])

    # -- a file too large --------------------------------------------------------------------------

    async def big_body(self, request: web.Request) -> web.StreamResponse:
        """30 MB of a JPEG, announced in Content-Length (or chunked for `?chunked=1`), streamed 64 kB at a time."""
        self._record(request)
        total, chunk = 30 * MB, jpeg() + bytes(64 * 1024)
        resp = web.StreamResponse(headers={"Content-Type": "image/jpeg"})
        if request.query.get("chunked"):
            resp.enable_chunked_encoding()
        else:
            resp.content_length = total
        try:
            await resp.prepare(request)
            while self.big.sent < total:
                piece = chunk[: total - self.big.sent]
                await resp.write(piece)
                self.big.sent += len(piece)
            await resp.write_eof()
            self.big.complete = True
        except ConnectionError:
            pass  # the client closed the connection: what it refused was never sent
        finally:
            self.big.done.set()
        return resp
