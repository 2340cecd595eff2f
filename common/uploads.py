"""Refusing large uploads before they are read in full.

Two guards, both set up in settings: ``UploadSizeMiddleware`` answers 413 at once when a
request's Content-Length is larger than any file the portal accepts (its body is never read),
and ``LimitedUploadHandler`` (first of ``FILE_UPLOAD_HANDLERS``) stops keeping a file's bytes
once it passes that size, whatever the request claimed, so the form then refuses it by its size
("the largest accepted is 10 MB") without the file ever being held in memory or on disk.
"""

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpResponse, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string

# Room for the form's other fields and the multipart boundaries around the file.
FORM_OVERHEAD_BYTES = 1024 * 1024


def largest_file_bytes():
    """The largest file any upload accepts (a spreadsheet or a piece of evidence)."""
    return max(settings.MAX_SPREADSHEET_UPLOAD_BYTES, settings.MAX_EVIDENCE_BYTES)


def largest_request_bytes():
    return largest_file_bytes() + FORM_OVERHEAD_BYTES


def _megabytes(size):
    return filesizeformat(size)


class UploadSizeMiddleware:
    """A request whose declared body is larger than any accepted upload gets 413, unread."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > largest_request_bytes():
            return self.refuse(request, declared)
        return self.get_response(request)

    def refuse(self, request, declared):
        detail = (
            f"The upload is {_megabytes(declared)}; the largest file accepted is "
            f"{_megabytes(largest_file_bytes())}. Nothing was saved."
        )
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": detail}, status=413)
        else:
            try:
                body = render_to_string("413.html", {"detail": detail}, request=request)
            except Exception:  # the page must never fail because a template could not render
                body = detail
            response = HttpResponse(body, status=413)
        # The body was not read: the connection cannot carry another request.
        response["Connection"] = "close"
        return response


class TooLargeUpload(UploadedFile):
    """Stands for a file that passed the limit: its size is what was received, its content is
    not kept. Size checks (spreadsheets, evidence) refuse it with their usual message."""

    def __init__(self, name, content_type, size, charset=None):
        import io

        super().__init__(io.BytesIO(b""), name, content_type, size, charset)

    def read(self, *args, **kwargs):
        return b""


class LimitedUploadHandler(FileUploadHandler):
    """Passes a file's chunks on to the next handlers until it passes the limit, then drops them."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0
        self.too_large = False

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > largest_file_bytes():
            self.too_large = True
            return None  # the next handlers never see this chunk
        return raw_data

    def file_complete(self, file_size):
        if self.too_large:
            return TooLargeUpload(self.file_name, self.content_type, self.received, self.charset)
        return None  # the next handler (memory or temporary file) completes it
