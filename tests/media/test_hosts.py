"""Which URLs the media fetcher may request (SPEC 16), and which media types it keeps: pure decisions, as tables."""

from __future__ import annotations

import pytest

from channels.web.sniff import sniff, sniff_media
from config.env import Env
from media.hosts import allowed, hosts_of

HOSTS = hosts_of(["https://api.telegram.org", "https://graph.facebook.com/v26.0", "http://127.0.0.1:8081", None],
                 ["media.pemda.example"])


@pytest.mark.parametrize(("url", "expected"), [
    ("https://api.telegram.org/file/bot123:abc/photos/file_1.jpg", True),  # a configured API root's host
    ("http://127.0.0.1:9999/anything", True),  # a configured root's host, on any port
    ("https://graph.facebook.com/1003383421387256", True),
    ("https://scontent.xx.fbcdn.net/v/t1.15752-9/jalan.jpg?_nc_cat=1", True),  # Meta's CDN
    ("https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1", True),
    ("https://fbcdn.net/x.jpg", True),
    ("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1", True),
    ("https://media.twiliocdn.com/AC1/abc", True),
    ("https://mms.twiliocdn.com/AC1/abc", True),
    ("http://media.pemda.example/foto.jpg", True),  # ADUAN_MEDIA_HOSTS
    ("https://MEDIA.Pemda.Example./foto.jpg", True),
    ("http://127.0.0.2:8081/anything", False),  # another loopback host: no setting names it
    ("https://evil.example/x.jpg", False),
    ("https://evilfbcdn.net/x.jpg", False),  # not a subdomain
    ("https://fbcdn.net.evil.example/x.jpg", False),
    ("https://twilio.com.evil.example/x", False),
    ("http://scontent.xx.fbcdn.net/x.jpg", False),  # the providers' own hosts over https only
    ("https://scontent.xx.fbcdn.net:8443/x.jpg", False),
    ("https://user:pass@scontent.xx.fbcdn.net/x.jpg", False),  # credentials in a URL
    ("ftp://127.0.0.1/x", False),
    ("file:///etc/passwd", False),
    ("/relative/path.jpg", False),
    ("AgACAgUAAxkBAAIBlarge", False),  # a reference that is no URL
    ("", False),
    ("https://[::1", False),
])
def test_only_the_configured_and_the_providers_hosts_are_allowed(url, expected):
    assert allowed(url, HOSTS) is expected


def test_media_hosts_come_from_the_environment():
    assert Env.from_environ({"ADUAN_MEDIA_HOSTS": " s3-external-1.amazonaws.com, CDN.Example.org ,"}).media_hosts == (
        "s3-external-1.amazonaws.com", "cdn.example.org")
    with pytest.raises(ValueError, match="ADUAN_MEDIA_HOSTS"):
        Env.from_environ({"ADUAN_MEDIA_HOSTS": "https://cdn.example.org/"})


@pytest.mark.parametrize(("head", "content_type"), [
    (b"OggS\x00\x02" + bytes(10), "audio/ogg"),  # a WhatsApp or Telegram voice note
    (b"#!AMR\n" + bytes(10), "audio/amr"),
    (b"ID3\x04\x00" + bytes(11), "audio/mpeg"),
    (b"\xff\xfb\x90\x64" + bytes(12), "audio/mpeg"),
    (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00", "video/mp4"),
    (b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00", "video/mp4"),
    (b"\x00\x00\x00\x14ftyp3gp4\x00\x00\x00\x00", "video/3gpp"),
    (b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00", "audio/mp4"),
    (b"\xff\xd8\xff\xe0" + bytes(12), "image/jpeg"),
    (b"%PDF-1.7\n" + bytes(7), "application/pdf"),
    (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", None),  # a HEIF image shares the box: not a video
    (b"PK\x03\x04" + bytes(12), None),
    (b"<html><script>", None),
    (b"\xff\xeb" + bytes(14), None),  # an MPEG frame header of the reserved version
    (b"\xff\xf1" + bytes(14), None),  # and of the reserved layer
])
def test_voice_audio_and_video_are_told_from_their_bytes(head, content_type):
    found = sniff_media(head)
    assert (found.content_type if found else None) == content_type


def test_the_web_form_still_takes_images_and_pdfs_only():
    assert sniff(b"OggS\x00\x02" + bytes(10)) is None
    assert sniff(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00") is None
