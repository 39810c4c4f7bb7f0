"""The pages' names now live in services/labels.py (the API says refusals with them too).

Kept only for web/pdf.py and web/pdf_sections.py, changed by another engineer this session (#13):
import services.labels instead, then delete this module.
"""

from services.labels import label

__all__ = ["label"]
