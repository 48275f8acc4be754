"""Images decoded and written anew: pure functions over bytes, tested without a server."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from channels.web.images import MAX_PIXELS, UnacceptableImage, reencode
from channels.web.sniff import GIF, JPEG, PNG, WEBP

FORMATS = {"JPEG": JPEG, "PNG": PNG, "WEBP": WEBP}


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def colour_at(image: Image.Image, x: int, y: int) -> str:
    """Name the dominant colour of a pixel: red or blue (lossy formats move values a little)."""
    r, g, b = image.convert("RGB").getpixel((x, y))
    return "red" if r > b else "blue"


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_reporters_photo_keeps_when_and_where_and_nothing_else(samples, fmt):
    """A reporter who is not anonymous keeps the photo's date and GPS position; camera, owner, comment,
    colour profile and the appended ZIP are gone, and the picture is turned upright."""
    out = reencode(samples.phone_photo(fmt), FORMATS[fmt], anonymous=False)
    for secret in (b"Budi", samples.secret_make, b"PK\x03\x04", b"polyglot", b"setup.exe"):
        assert secret not in out
    image = opened(out)
    assert image.format == fmt
    assert image.size == (48, 64)  # taken sideways: stored upright
    assert (colour_at(image, 24, 5), colour_at(image, 24, 58)) == ("red", "blue")
    assert "icc_profile" not in image.info and "comment" not in image.info
    exif = image.getexif()
    assert dict(exif).keys() <= {0x0132, 0x8769, 0x8825}
    assert exif[0x0132] == "2026:03:01 10:00:00"
    assert dict(exif.get_ifd(0x8769)) == {0x9003: "2026:03:01 09:59:58"}
    gps = exif.get_ifd(0x8825)
    assert {tag: gps[tag] for tag in (1, 3)} == {1: "S", 3: "E"}
    assert [float(v) for v in gps[2]] == [8.0, 40.0, 12.5] and [float(v) for v in gps[4]] == [116.0, 7.0, 30.0]


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_anonymous_reporters_photo_keeps_only_its_pixels(samples, fmt):
    """An anonymous reporter's photo has no EXIF at all (no GPS), no profile, no trailer, and stays upright."""
    out = reencode(samples.phone_photo(fmt), FORMATS[fmt], anonymous=True)
    assert b"Exif" not in out and b"Budi" not in out and b"PK\x03\x04" not in out
    image = opened(out)
    assert len(image.getexif()) == 0 and "icc_profile" not in image.info
    assert image.size == (48, 64)
    assert (colour_at(image, 24, 5), colour_at(image, 24, 58)) == ("red", "blue")


def test_hand_made_jpeg_with_exif_is_written_anew_without_it(samples):
    """The EXIF block of a JPEG built byte by byte is not copied, whoever sends it."""
    out = reencode(samples.jpeg(samples.exif_app1()) + b"trailer", JPEG, anonymous=False)
    assert samples.secret_make not in out and b"trailer" not in out
    assert opened(out).size == (8, 8)


def test_gif_loses_comments_and_xmp(samples):
    """A GIF's comment and XMP extensions are not written again."""
    comment = b"\x21\xfe\x04Budi\x00"
    xmp = b"\x21\xff\x0bXMP DataXMP" + b"\x0c<x:xmpmeta/>" + b"\x00"
    out = reencode(samples.gif(comment, xmp) + b"PK\x03\x04", GIF, anonymous=False)
    assert b"Budi" not in out and b"xmpmeta" not in out and b"PK\x03\x04" not in out
    assert opened(out).format == "GIF"


def test_animated_gif_keeps_its_frames():
    """Every frame of an animation is written again, with its timing."""
    frames = [Image.new("RGB", (16, 16), colour) for colour in ("red", "green", "blue")]
    source = io.BytesIO()
    frames[0].save(source, "GIF", save_all=True, append_images=frames[1:], duration=200, loop=0, comment=b"Budi")
    out = reencode(source.getvalue(), GIF, anonymous=True)
    image = opened(out)
    assert image.n_frames == 3 and image.info["duration"] == 200
    assert b"Budi" not in out


def test_image_of_more_than_twice_the_pixel_cap_is_refused_before_decoding(samples):
    """A PNG claiming 20,000 x 20,000 pixels (a decompression bomb) is refused by Pillow's own guard."""
    with pytest.raises(UnacceptableImage) as refused:
        reencode(samples.png_claiming(20_000, 20_000), PNG, anonymous=False)
    assert refused.value.key == "error_image_too_large"


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_image_over_the_pixel_cap_is_refused(samples):
    """A picture of 8,000 x 7,000 pixels (56 megapixels) is over the 50-megapixel cap."""
    assert 8_000 * 7_000 > MAX_PIXELS
    with pytest.raises(UnacceptableImage) as refused:
        reencode(samples.png_claiming(8_000, 7_000), PNG, anonymous=False)
    assert refused.value.key == "error_image_too_large"


def test_animation_whose_frames_together_pass_the_cap_is_refused():
    """Tens of thousands of one-pixel frames in a small GIF count together against the cap."""
    head = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00"
    frame = b"\x21\xf9\x04\x00\x00\x00\x00\x00\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00"
    with pytest.raises(UnacceptableImage) as refused:
        reencode(head + frame * 20_000 + b"\x3b", GIF, anonymous=False)
    assert refused.value.key == "error_image_too_large"


@pytest.mark.parametrize("cut", [3, 30, 120])
def test_truncated_jpeg_is_refused_as_damaged(samples, cut):
    """A JPEG cut short does not decode, so it is refused rather than stored."""
    with pytest.raises(UnacceptableImage) as refused:
        reencode(samples.phone_photo("JPEG", trailer=b"")[:cut], JPEG, anonymous=False)
    assert refused.value.key == "error_file_unreadable"


def test_file_that_only_starts_like_an_image_is_refused(samples):
    """PNG magic bytes followed by a program are not an image."""
    with pytest.raises(UnacceptableImage) as refused:
        reencode(b"\x89PNG\r\n\x1a\n" + samples.exe, PNG, anonymous=False)
    assert refused.value.key == "error_file_unreadable"


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("anonymous", [False, True])
def test_photo_whose_exif_does_not_parse_is_taken_without_it(samples, anonymous):
    """A broken EXIF block does not make the photo unreadable: it is stored with its pixels only."""
    broken = samples.jpeg_segment(0xE1, b"Exif\x00\x00MM\x00\x2a\x00\x00\xff\xff" + b"\x07" * 40)
    out = reencode(samples.jpeg(broken), JPEG, anonymous)
    image = opened(out)
    assert image.size == (8, 8) and len(image.getexif()) == 0
