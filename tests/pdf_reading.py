"""Reading a PDF as its reader would: the QR codes on its pages (decoded with zxing-cpp) and its text.

Not a test module: helpers for the document tests.
"""

from __future__ import annotations

import io

import zxingcpp
from pypdf import PdfReader


def qr_codes(pdf: bytes) -> list[str]:
    """The text of every QR code drawn as an image in the PDF, page by page."""
    found = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for picture in page.images:
            found += [code.text for code in zxingcpp.read_barcodes(picture.image) if code.format.name == "QRCode"]
    return found


def text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
