"""A `media` photo attached to POST requests: checked by content, cleaned of metadata."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from commonweal.cases.models import ServiceRequest
from commonweal.open311.tests.conftest import BASE

FIELDS = {"service_code": "pothole", "lat": "40.05", "long": "-75.05", "attribute[lane]": "left"}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # camera make
    exif[0x8825] = {1: "N", 2: (40.0, 3.0, 0.0), 3: "W", 4: (75.0, 3.0, 0.0)}  # GPS
    output = io.BytesIO()
    image.save(output, format="JPEG", exif=exif)
    return output.getvalue()


def post(client, api_key, upload, **extra):
    return client.post(
        f"{BASE}/requests.json", {**FIELDS, "api_key": api_key, "media": upload, **extra}
    )


def test_a_photo_is_stored_without_its_metadata_and_served(client, city, api_key, media_root):
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif()  # the fixture really has EXIF
    response = post(client, api_key, SimpleUploadedFile("hole.jpg", original, "image/jpeg"))
    assert response.status_code == 201
    case = ServiceRequest.objects.get()
    assert case.media_url.startswith("/media/requests/")
    path = case.media_url.split("/media/", 1)[1]
    stored = Image.open(media_root / path)
    assert stored.format == "JPEG" and stored.size == (40, 30)
    assert not stored.getexif() and b"SpyCam" not in (media_root / path).read_bytes()
    served = client.get(f"/media/{path}")
    assert served.status_code == 200
    listed = client.get(f"{BASE}/requests/{case.public_id}.json").json()[0]
    assert listed["media_url"] == f"http://testserver{case.media_url}"


def test_a_renamed_executable_is_refused_with_the_other_errors(client, city, api_key, media_root):
    fake = SimpleUploadedFile("photo.jpg", b"\x7fELF\x02\x01\x01" + b"\x00" * 200, "image/jpeg")
    response = post(client, api_key, fake, lat="95")
    assert response.status_code == 400
    described = [error["description"] for error in response.json()]
    assert any(text.startswith("media:") for text in described)
    assert any(text.startswith("lat:") for text in described)
    assert not ServiceRequest.objects.exists()
    assert not list(media_root.rglob("*.*"))


def test_a_valid_report_with_a_bad_photo_writes_nothing(client, city, api_key, media_root):
    fake = SimpleUploadedFile("photo.png", b"not an image at all", "image/png")
    response = post(client, api_key, fake)
    assert response.status_code == 400 and response.json()[0]["description"].startswith("media:")
    assert not ServiceRequest.objects.exists()


def webp_wider_than_webp_allows() -> bytes:
    """An animated WebP whose canvas (VP8X) says 20,000 pixels wide: Pillow decodes it, and
    WebP cannot hold it written again (its limit is 16,383), found by mutating files."""
    frames = [Image.new("RGB", (8, 8), colour) for colour in ("red", "blue")]
    output = io.BytesIO()
    frames[0].save(output, format="WEBP", save_all=True, append_images=frames[1:])
    data = bytearray(output.getvalue())
    assert data[12:16] == b"VP8X"
    data[24:27] = (20_000 - 1).to_bytes(3, "little")  # the canvas width less one
    return bytes(data)


def test_a_photo_that_cannot_be_written_again_is_refused_not_a_server_error(
    client, city, api_key, media_root
):
    upload = SimpleUploadedFile("wide.webp", webp_wider_than_webp_allows(), "image/webp")
    response = post(client, api_key, upload)
    assert response.status_code == 400  # was a 500
    assert response.json()[0]["description"].startswith("media:")
    assert not ServiceRequest.objects.exists()
    assert not list(media_root.rglob("*.*"))


def test_other_files_in_the_media_folder_are_not_served(client, city, media_root):
    (media_root / "secret.txt").write_text("x")
    assert client.get("/media/secret.txt").status_code == 404
