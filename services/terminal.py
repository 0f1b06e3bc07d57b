"""Vietnamese on terminals that cannot write it. `tiendo` prints agency names, statuses
and its own help in Vietnamese; a stream whose encoding lacks those letters
(PYTHONIOENCODING=latin-1 or ascii, a C locale with Python's UTF-8 coercion turned off)
would raise UnicodeEncodeError mid-output. Such a stream writes each letter it lacks
without its marks instead, as Vietnamese is typed on a keyboard without them ("Tiến độ"
as "Tien do"): readable, where ``\\u1ebf`` escapes or ``?`` are not."""

from __future__ import annotations

import codecs
import sys
import unicodedata

# Signs with no mark to drop: their plain spelling. The rest lose their combining marks.
_PLAIN_SIGNS = {"đ": "d", "Đ": "D", "—": "-", "–": "-", "←": "<-", "→": "->", "×": "x", "…": "...",
                "“": '"', "”": '"', "‘": "'", "’": "'", "≥": ">=", "≤": "<=", "·": "."}
WITHOUT_MARKS = "tiendo.without_marks"
"""The codec error handler that writes what an encoding lacks without its marks."""
PLAIN_ASCII = "tiendo-plain-ascii"
"""ASCII, writing what it lacks without its marks: the encoding an ASCII stream is given."""


def _without_marks(error: UnicodeError) -> tuple[str, int]:
    """Each character the encoding cannot write, without its diacritics (``?`` when even
    that cannot be written)."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    plain = []
    for char in error.object[error.start:error.end]:
        base = _PLAIN_SIGNS.get(char) or "".join(
            c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
        try:
            base.encode(error.encoding)
        except (UnicodeEncodeError, LookupError):
            base = "?"
        plain.append(base or "?")
    return "".join(plain), error.end


class _PlainAsciiEncoder(codecs.IncrementalEncoder):
    def encode(self, text: str, final: bool = False) -> bytes:
        return text.encode("ascii", WITHOUT_MARKS)


def _plain_ascii(name: str) -> codecs.CodecInfo | None:
    # An encoding of its own rather than ascii with an error handler: click takes a stream
    # that says "ascii" for a misconfigured one and writes UTF-8 to it instead, so its own
    # output (help, errors, every echo) would not be plain like the rest.
    if name != PLAIN_ASCII.replace("-", "_"):
        return None
    return codecs.CodecInfo(name=PLAIN_ASCII, encode=lambda text, errors="strict": (_PlainAsciiEncoder().encode(text),
                                                                                      len(text)),
                            decode=codecs.ascii_decode, incrementalencoder=_PlainAsciiEncoder,
                            incrementaldecoder=codecs.getincrementaldecoder("ascii"))


codecs.register_error(WITHOUT_MARKS, _without_marks)
codecs.register(_plain_ascii)


def fit_streams(streams=None) -> None:
    """Make stdout and stderr (or ``streams``) write Vietnamese whatever their encoding:
    one that cannot write it writes the letters without their marks; a UTF-8 stream is
    left as it is."""
    for stream in streams or (sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None)
        if not encoding or not hasattr(stream, "reconfigure"):
            continue
        try:
            "Tiến độ — đ".encode(encoding)
        except LookupError:
            continue  # an encoding Python does not know: not ours to change
        except UnicodeEncodeError:
            if codecs.lookup(encoding).name == "ascii":
                stream.reconfigure(encoding=PLAIN_ASCII)
            else:
                stream.reconfigure(errors=WITHOUT_MARKS)
