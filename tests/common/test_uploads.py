"""Large uploads are refused before they are read in full (Trust, item 6)."""

import io

import pytest
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.http.multipartparser import MultiPartParser
from django.test import RequestFactory
from django.urls import reverse

from common.uploads import LimitedUploadHandler, TooLargeUpload
from toms.models import ProxyValue

pytestmark = pytest.mark.django_db

BOUNDARY = "BoUnDaRy"


def multipart(filename, content):
    return (
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n"
        "Content-Type: text/csv\r\n\r\n"
    ).encode() + content + f"\r\n--{BOUNDARY}--\r\n".encode()


class Unreadable(io.BytesIO):
    """A request body that fails the test if anyone reads it."""

    def read(self, *args, **kwargs):
        raise AssertionError("the body was read")

    readline = read


def test_a_declared_content_length_over_the_limit_gets_413_without_reading_the_body(client, icb_admin):
    client.force_login(icb_admin)
    declared = 200 * 1024 * 1024
    response = client.generic(
        "POST",
        reverse("toms:proxy-value-import"),
        b"",
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(declared),
        **{"wsgi.input": Unreadable()},
    )
    assert response.status_code == 413
    assert "The upload is 200.0\xa0MB; the largest file accepted is 10.0\xa0MB. Nothing was saved." in response.text
    assert "The file is too large" in response.text  # the portal's page
    assert response["Connection"] == "close"
    assert not ProxyValue.objects.exists()


def test_the_api_gets_413_in_its_error_shape(client):
    response = client.generic(
        "POST",
        "/api/v1/returns/",
        b"",
        content_type="application/json",
        CONTENT_LENGTH=str(50 * 1024 * 1024),
        **{"wsgi.input": Unreadable()},
    )
    assert response.status_code == 413
    assert response.json()["detail"].startswith("The upload is 50.0\xa0MB")


def test_a_file_past_the_limit_is_not_kept_whatever_the_request_declared(settings):
    settings.MAX_SPREADSHEET_UPLOAD_BYTES = settings.MAX_EVIDENCE_BYTES = 100_000
    body = multipart("big.csv", b"x" * 400_000)
    request = RequestFactory().post("/", body, content_type=f"multipart/form-data; boundary={BOUNDARY}")
    memory = MemoryFileUploadHandler(request)
    handlers = [LimitedUploadHandler(request), memory]
    _, files = MultiPartParser(request.META, io.BytesIO(body), handlers).parse()
    upload = files["file"]
    assert isinstance(upload, TooLargeUpload)
    assert upload.size == 400_000 and upload.read() == b""
    # The memory handler was handed only what came before the limit.
    assert memory.file.tell() <= 100_000 + 65_536


def test_a_file_past_the_limit_is_refused_by_the_form_with_its_size(client, icb_admin, settings):
    settings.MAX_SPREADSHEET_UPLOAD_BYTES = settings.MAX_EVIDENCE_BYTES = 100_000
    client.force_login(icb_admin)
    text = b"measure_code,financial_year,value_per_unit,source\n" + b"NT14,2025/26,1,x\n" * 20_000
    response = client.post(
        reverse("toms:proxy-value-import"), multipart("values.csv", text), content_type=f"multipart/form-data; boundary={BOUNDARY}"
    )
    assert response.status_code == 400
    assert "The file is 332.1\xa0KB; the largest accepted is 97.7\xa0KB." in response.text
    assert not ProxyValue.objects.exists()


def test_a_small_upload_goes_through(client, icb_admin, framework):
    client.force_login(icb_admin)
    text = b"measure_code,financial_year,value_per_unit,source\nNT14,2025/26,1,ICB\n"
    response = client.post(
        reverse("toms:proxy-value-import"),
        multipart("values.csv", text),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
        follow=True,
    )
    assert "1 added" in response.text
    assert ProxyValue.objects.count() == 1
