"""Decode every uploaded image and encode it anew with Pillow, so that only its pixels reach an agency.

What is stored is always an image we wrote: bytes appended after the picture, a second file format
hidden inside it (a polyglot) and every metadata block are gone. A reporter who is not anonymous keeps
when and where the photo was taken (EXIF date and GPS position, SPEC section 4: only an anonymous
reporter's files lose them), rebuilt from their parsed values; an anonymous reporter's image keeps
nothing but its pixels. A colour profile is applied to the pixels (to sRGB) instead of being copied,
and the EXIF orientation is applied too, so every viewer shows the picture upright.
"""

from __future__ import annotations

import io
import numbers

from PIL import Image, ImageCms, ImageOps, ImageSequence

from channels.web.sniff import GIF, JPEG, PNG, WEBP, FileType

# A 50-megapixel phone photo. Decoding takes 3-4 bytes a pixel, so this bounds the memory one file needs;
# an animation's frames count together.
MAX_PIXELS = 50_000_000
MAX_FRAMES = 300
# A re-encoded file may come out larger than the upload (a low-quality JPEG written at our quality);
# past this it is written again at a lower quality, and refused if still larger.
MAX_OUTPUT_BYTES = 12 * 1024 * 1024
# Pillow itself refuses to open an image of more than twice this (DecompressionBombError), for any use in
# the process; past MAX_PIXELS we refuse before decoding.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

_PILLOW_FORMAT = {JPEG: "JPEG", PNG: "PNG", GIF: "GIF", WEBP: "WEBP"}
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))

# What a reporter who is not anonymous keeps (as parsed values, never the original bytes): the time the
# photo was taken and its GPS position, which tell an agency when and where.
_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_KEEP_TOP = {0x0132}  # DateTime
_KEEP_EXIF = {0x9003, 0x9004, 0x9010, 0x9011}  # DateTimeOriginal, DateTimeDigitized, OffsetTime, OffsetTimeOriginal
_KEEP_GPS = set(range(0, 8)) | {0x1D}  # version, latitude, longitude, altitude, time stamp; date stamp
_MAX_TEXT = 32


class UnacceptableImage(ValueError):
    """An upload that cannot be taken as an image; `key` names the message the form shows."""

    def __init__(self, key: str, detail: str) -> None:
        super().__init__(detail)
        self.key = key


def reencode(data: bytes, filetype: FileType, anonymous: bool) -> bytes:
    """Return the image decoded and written anew in its own format, or raise UnacceptableImage."""
    try:
        image = Image.open(io.BytesIO(data), formats=[_PILLOW_FORMAT[filetype]])
    except Image.DecompressionBombError as exc:
        raise UnacceptableImage("error_image_too_large", "over twice the pixel cap") from exc
    except Exception as exc:  # Pillow raises many kinds of errors on hostile files
        raise UnacceptableImage("error_file_unreadable", f"cannot open: {type(exc).__name__}") from exc
    with image:
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise UnacceptableImage("error_image_too_large", f"{width}x{height} pixels")
        try:
            # A JPEG's further pictures (MPO: a phone's depth map or preview) are not part of the photo.
            frames = 1 if filetype == JPEG else getattr(image, "n_frames", 1)
            if frames > MAX_FRAMES or width * height * frames > MAX_PIXELS:
                raise UnacceptableImage("error_image_too_large", f"{frames} frames of {width}x{height}")
            image.load()  # decode now: a broken picture fails here, before its EXIF is read
            exif = None if anonymous else _readable_exif(image)
            options = _webp_options(data) if filetype == WEBP else {}
            out = _animation(image, filetype, options) if frames > 1 else _still(image, filetype, exif, options)
        except UnacceptableImage:
            raise
        except Exception as exc:
            raise UnacceptableImage("error_file_unreadable", f"cannot decode: {type(exc).__name__}") from exc
    if len(out) > MAX_OUTPUT_BYTES:
        raise UnacceptableImage("error_image_too_large", f"{len(out)} bytes once written")
    return out


def kept_exif(source: Image.Exif) -> Image.Exif | None:
    """Return a fresh EXIF block with only the date and GPS tags of `source`, checked; None when none is left."""
    kept = Image.Exif()
    for tag in _KEEP_TOP:
        if _plain(source.get(tag)):
            kept[tag] = source[tag]
    for ifd, tags in ((_EXIF_IFD, _KEEP_EXIF), (_GPS_IFD, _KEEP_GPS)):
        values = {tag: value for tag, value in source.get_ifd(ifd).items() if tag in tags and _plain(value)}
        if values:
            kept[ifd] = values
    return kept if len(kept) else None


def _readable_exif(image: Image.Image) -> Image.Exif | None:
    """Return the kept EXIF of an image; None when its EXIF block does not parse (the photo is taken without it)."""
    try:
        return kept_exif(image.getexif())
    except Exception:  # Pillow's EXIF reader raises many kinds of errors on broken blocks
        return None


def _plain(value) -> bool:
    """Tell whether an EXIF value is a short text, a number or a few numbers (nothing that can carry a payload)."""
    if isinstance(value, str):
        return len(value) <= _MAX_TEXT and value.isprintable()
    if isinstance(value, bytes):
        return len(value) <= 4
    if isinstance(value, tuple):
        return 0 < len(value) <= 4 and all(_plain(v) and not isinstance(v, (str, bytes, tuple)) for v in value)
    return isinstance(value, numbers.Real)  # Pillow reads rationals as IFDRational, a numbers.Rational


def _in_srgb(image: Image.Image) -> Image.Image:
    """Apply the image's own colour profile to its pixels (to sRGB); without a usable profile keep them as they are."""
    profile = image.info.get("icc_profile")
    mode = {"RGB": "RGB", "RGBA": "RGBA", "CMYK": "RGB"}.get(image.mode)  # a grey profile maps grey to grey
    if not profile or mode is None:
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        if mode == image.mode and ImageCms.getProfileDescription(source).startswith("sRGB"):
            return image  # already sRGB: converting would cost about a second for 12 megapixels and change nothing
        return ImageCms.profileToProfile(image, source, _SRGB, outputMode=mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image  # a broken profile: the colours as if sRGB, which most files are anyway


def _still(image: Image.Image, filetype: FileType, exif: Image.Exif | None, options: dict) -> bytes:
    """Write one picture: upright, in sRGB, with no metadata but `exif`."""
    transparency = image.info.get("transparency")
    mode = image.mode
    try:
        ImageOps.exif_transpose(image, in_place=True)  # the kept EXIF has no orientation: the pixels are upright
    except Exception:  # an EXIF block that does not parse: the pixels as they are stored
        pass
    upright = _in_srgb(image)
    upright.info = {}  # Pillow writes comments, XMP and profiles it finds here
    options = dict(options)
    if exif is not None and filetype != GIF:
        options["exif"] = exif.tobytes()
    if filetype == JPEG:
        if upright.mode not in ("L", "RGB", "CMYK"):
            upright = upright.convert("RGB")
        return _jpeg(upright, options)
    if transparency is not None and upright.mode in ("P", "L", "RGB") and upright.mode == mode:
        options["transparency"] = transparency
    if filetype == PNG:
        return _save(upright, "PNG", options)
    if filetype == WEBP:
        if upright.mode not in ("RGB", "RGBA"):
            upright = upright.convert("RGBA" if "A" in upright.mode or transparency is not None else "RGB")
        return _save(upright, "WEBP", options)
    return _save(upright, "GIF", options)


def _jpeg(image: Image.Image, options: dict) -> bytes:
    """Write a JPEG at a high quality, or a lower one when that comes out too large."""
    out = _save(image, "JPEG", {**options, "quality": 90})
    if len(out) > MAX_OUTPUT_BYTES:
        out = _save(image, "JPEG", {**options, "quality": 75})
    return out


def _webp_options(data: bytes) -> dict:
    """Keep a lossless WebP lossless (its first image chunk is VP8L); write a lossy one at a high quality."""
    pos = 12
    while pos + 8 <= len(data):
        fourcc, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "little")
        if fourcc in (b"VP8L", b"VP8 ", b"ALPH"):
            return {"lossless": True} if fourcc == b"VP8L" else {"quality": 90}
        if fourcc == b"ANMF":  # an animation frame: 16 bytes of position and timing, then its image chunks
            return {"lossless": True} if data[pos + 24 : pos + 28] == b"VP8L" else {"quality": 90}
        pos += 8 + size + (size & 1)
    return {"quality": 90}


def _animation(image: Image.Image, filetype: FileType, options: dict) -> bytes:
    """Write every frame of an animated GIF, PNG or WebP anew, with its timing and nothing else."""
    loop = image.info.get("loop", 0)
    frames, durations = [], []
    for frame in ImageSequence.Iterator(image):
        durations.append(int(frame.info.get("duration", 100) or 100))
        copy = frame.convert("RGBA")
        copy.info = {}
        frames.append(copy)
    first, rest = frames[0], frames[1:]
    return _save(first, _PILLOW_FORMAT[filetype], {**options, "save_all": True, "append_images": rest,
                                                    "duration": durations, "loop": loop})


def _save(image: Image.Image, pillow_format: str, options: dict) -> bytes:
    out = io.BytesIO()
    image.save(out, pillow_format, **options)
    return out.getvalue()
