"""English that once showed on the Indonesian pages (#13): a page a test opens must show none of it.

Not a test module: the page tests (test_web_pages.py) and the browser test (test_web_browser.py) call
`assert_indonesian` on each page they open.
"""

from __future__ import annotations

import html as markup
import re
import string
from functools import cache

from services.catalogue import catalogue

KNOWN_ENGLISH = (
    "HTTPError",
    "Not Found",
    "Method Not Allowed",
    "Status started",
    "Status closed",
    "oleh system",
    "oleh citizen",
    "curve expects",
    "required, ",
    "allowed, ",
    "promotion_eligible",
    "promotion_reasons",
    "tukin_cut_percent",
    ": True",
    ": False",
    "needs predikat",
    "years in rank",
    "String should have",
    "Field required",
    "Input should be",
    "at least 1 character",
    "must be calibrated against the curve",
    "before results go out",
    "rate the appraisal before",
    "permenpanrb-6-2022",
    "read-only access",
    "may do this",
    "may read this",
    # lang13 (#13): sign-in refusals, the follow-up's reasons, the curve in a refusal, Chromium's file picker
    "bearer token",
    "Authorization header",
    "new_password",
    "at least 12 characters",
    "needs at least",
    "in each of the last years",
    "deviates from the curve",
    "Choose File",
    "No file chosen",
)
# A calendar day or an instant as ISO text between tags: a page says dates as "15 Februari 2030".
ISO_DATE = re.compile(r">[^<]*\b\d{4}-\d{2}-\d{2}\b[^<]*<")


# A file input the page shows as Chromium draws it ("Choose File", "No file chosen": the browser's language, not
# the page's); the pages' pickers are web/templates/_macros.html file_picker, whose input is visually hidden.
FILE_INPUT = re.compile(r"<input\b[^>]*\btype=\"file\"[^>]*>")
CHROMIUMS_BUTTON = "Choose File (a bare <input type=file>)"


# The auditor's "Rincian": an event's payload as recorded (JSON with its English keys), on purpose.
RECORDED = re.compile(r"<pre>.*?</pre>", re.S)


@cache
def catalogue_english() -> tuple[str, ...]:
    """Every English refusal of the message catalogue (services/locale/en), as the phrases between its figures:
    a page that shows one said a refusal in the developer's English instead of through its code."""
    phrases = set()
    for message in catalogue("en"):
        if not message.id:
            continue
        for literal, *_ in string.Formatter().parse(str(message.string)):
            phrase = literal.strip(" ,;:.()'\"")
            if len(phrase) >= 10 and " " in phrase:
                phrases.add(phrase)
    return tuple(sorted(phrases))


def english_on(html: str) -> list[str]:
    """The known English messages (and ISO dates) the page shows, outside the raw records it quotes."""
    html = RECORDED.sub("", html)
    text = markup.unescape(html)
    found = [phrase for phrase in (*KNOWN_ENGLISH, *catalogue_english()) if phrase in text]
    bare = [CHROMIUMS_BUTTON for m in FILE_INPUT.finditer(html) if 'class="file-input"' not in m.group(0)]
    return found + bare + [m.group(0) for m in ISO_DATE.finditer(html)]


def assert_indonesian(html: str, where: str) -> None:
    found = english_on(html)
    assert not found, f"{where} shows English or ISO dates: {found}"
