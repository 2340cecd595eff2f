"""Measure codes: reading one as people type it ("NT 1", "nt01", "NT1 - local employees") into
the framework's code, the same for the web form, the spreadsheets and the API; and measures in the
order people expect (NT1, NT2, … NT10, not as text).

A code that cannot be read gets a suggestion ("did you mean NT1?"), and an invisible or look-alike
character is named, since the code then looks right on screen and would otherwise be "not in the
framework".
"""

import difflib
import re
from functools import lru_cache

from toms.quantities import odd_character, shown

# Between the letters and the number of a code people put spaces, hyphens, underscores or dots.
LETTER_GAP = re.compile(r"(?<=[A-Z])[\s\-_.]+(?=\d)")
LETTER_SUFFIX_GAP = re.compile(r"(?<=\d)[\s\-_.]+(?=[A-Z]$)")  # "NT1 b" is NT1b
LEADING_ZEROS = re.compile(r"(?<!\d)0+(?=\d)")
# Where a description after the code may begin: "NT1 - local employees", "NT1: …", "NT1 (…)".
CUT = re.compile(r"[\s\-–—:|(/,;]")
_CHUNKS = re.compile(r"\d+|\D+")


class CodeError(ValueError):
    """A measure code that cannot be read; str() is the message for people."""


def code_key(text):
    """The form of a code that compares equal however it was typed: NT01, nt-1 and NT 1 are NT1."""
    key = LETTER_SUFFIX_GAP.sub("", LETTER_GAP.sub("", text.strip().upper()))
    return LEADING_ZEROS.sub("", key)


@lru_cache(maxsize=32)
def _index(codes):
    by_key = {}
    for code in codes:
        by_key.setdefault(code_key(code), set()).add(code)
    # Two codes that read the same (none in the C&M TOMs) are matched only as typed.
    return {key: next(iter(found)) for key, found in by_key.items() if len(found) == 1}


def _shared_start(a, b):
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def parse_measure_code(text, known_codes):
    """The code in ``known_codes`` that ``text`` means, or CodeError saying why there is none.

    Accepted: any letter case, a space, hyphen, underscore or dot between the letters and the
    number, leading zeros in the number, and a description after the code (separated by a space
    or punctuation, starting with a letter). Refused: invisible or non-ASCII characters (named),
    and anything else, with the nearest code suggested when there is one.
    """
    codes = tuple(known_codes)
    text = "" if text is None else str(text)
    stripped = text.strip(" \t\r\n")
    if not stripped:
        raise CodeError("Give the measure code, like NT14.")
    index = _index(codes)
    exact = index.get(code_key(stripped)) if stripped.isascii() else None
    if exact:
        return exact
    for cut in reversed([m.start() for m in CUT.finditer(stripped)]):
        head, rest = stripped[:cut], stripped[cut:]
        first = re.search(r"[A-Za-z0-9]", rest)
        if not head.strip() or not head.isascii() or first is None or not first.group().isalpha():
            continue  # "NT1 4" is not NT1 with a description
        found = index.get(code_key(head))
        if found:
            return found
    odd = odd_character(stripped)
    if odd:
        where = stripped.find(next(ch for ch in stripped if not (ch.isascii() and ch.isprintable())))
        before = f" after '{shown(stripped[:where])}'" if where > 0 else " at the start"
        raise CodeError(
            f"The measure code '{shown(stripped)}' contains {odd}{before}; delete it and type the code again."
        )
    message = f"There is no measure '{shown(stripped)}' in the framework."
    key = code_key(stripped)
    close = difflib.get_close_matches(key, list(index), n=3, cutoff=0.6)
    if close:
        # Of the close codes, the one that shares the longest start: "NT14,5" is NT14, not NT15.
        best = min(enumerate(close), key=lambda item: (-_shared_start(key, item[1]), item[0]))[1]
        message += f" Did you mean {index[best]}?"
    raise CodeError(message)


# --- order and display -----------------------------------------------------------------------


def natural_code_key(code):
    """A sort key for a measure code: 'NT3' before 'NT10', 'NT1' before 'NT1b'."""
    return tuple((1, int(chunk)) if chunk.isdigit() else (0, chunk.upper()) for chunk in _CHUNKS.findall(code or ""))


def short_title(title, limit):
    """The title, cut at a word boundary (with an ellipsis) if longer than ``limit`` characters."""
    if len(title) <= limit:
        return title
    cut = title[: limit + 1].rsplit(" ", 1)[0].rstrip(" ,;:–-")
    return f"{cut}…"
