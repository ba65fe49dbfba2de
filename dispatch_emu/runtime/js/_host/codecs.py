"""Byte-level host ops: text codecs, compression, IDNA.

Work that is per byte or per character is slow in QuickJS's interpreter (a 3 MB string
took over a second to encode there) and fast in C: these ops do it in Python's codecs,
``zlib`` and the ``idna`` package.

- ``utf8encode(text)`` → bytes (lone surrogates become U+FFFD, as ``TextEncoder`` does);
- ``decode(encoding, data, fatal, final)`` → ``[text, consumed]``: ``consumed`` bytes of
  ``data`` were decoded; the rest is an incomplete sequence the stream keeps for the next
  chunk (``final``: none may remain);
- ``compress(format, data)`` / ``decompress(format, data)`` for ``gzip``, ``deflate``
  (zlib) and ``deflate-raw``;
- ``idna(host)`` → the host's ASCII form (UTS #46, non-transitional, as the URL standard
  asks), or an error.
"""

from __future__ import annotations

import codecs
import zlib
from collections.abc import Callable
from typing import Any

from dispatch_emu.runtime.js._host.errors import HostError

#: TextDecoder's encoding names → Python codecs
ENCODINGS = {"utf-8": "utf-8", "utf-16le": "utf-16-le", "utf-16be": "utf-16-be", "windows-1252": "cp1252"}
#: zlib's wbits for each CompressionStream format
WBITS = {"gzip": 31, "deflate": 15, "deflate-raw": -15}


def utf8encode(text: str) -> bytes:
    text = str(text)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: pair what pairs, the rest become U+FFFD
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace").encode("utf-8")


def decode(encoding: str, data: bytes, fatal: bool, final: bool) -> list[Any]:
    name = ENCODINGS.get(encoding)
    if name is None:
        raise HostError("RangeError", f"The \"{encoding}\" encoding is not supported.")
    data = bytes(data)
    if name == "cp1252":
        return [bytes(data).decode("latin-1").translate(_CP1252), len(data)]
    decoder = codecs.getincrementaldecoder(name)("strict" if fatal else "replace")
    try:
        text = decoder.decode(data, final=bool(final))
    except UnicodeDecodeError:
        raise HostError("TypeError", f"The encoded data was not valid {encoding}.") from None
    pending = decoder.getstate()[0]
    return [text, len(data) - len(pending)]


def _build_cp1252() -> dict[int, str]:
    # WHATWG windows-1252: the five bytes Python's cp1252 leaves undefined are C1 controls
    table: dict[int, str] = {}
    for byte in range(0x80, 0xA0):
        try:
            table[byte] = bytes([byte]).decode("cp1252")
        except UnicodeDecodeError:
            table[byte] = chr(byte)
    return table


_CP1252 = str.maketrans(_build_cp1252())


def compress(fmt: str, data: bytes) -> bytes:
    wbits = _wbits(fmt)
    compressor = zlib.compressobj(6, zlib.DEFLATED, wbits)
    return compressor.compress(bytes(data)) + compressor.flush()


def decompress(fmt: str, data: bytes) -> bytes:
    wbits = _wbits(fmt)
    decompressor = zlib.decompressobj(wbits)
    try:
        out = decompressor.decompress(bytes(data)) + decompressor.flush()
    except zlib.error:
        raise HostError("TypeError", "Decompression failed.") from None  # workerd's words
    if not decompressor.eof or decompressor.unused_data:  # truncated, or trailing data
        raise HostError("TypeError", "Decompression failed.")
    return out


def _wbits(fmt: str) -> int:
    if fmt not in WBITS:
        raise HostError("TypeError", f"Unsupported compression format: '{fmt}'")
    return WBITS[fmt]


def idna_to_ascii(host: str) -> str:
    """The URL standard's domain-to-ASCII: UTS #46 mapping, non-transitional, without the
    STD3 and IDNA2008 context rules (browsers and workerd accept ``☕.example``)."""
    import idna

    host = str(host)
    try:
        return idna.encode(host, uts46=True, transitional=False).decode("ascii")
    except idna.IDNAError:
        pass
    try:
        mapped = idna.uts46_remap(host, std3_rules=False, transitional=False)
        labels = [label if label.isascii() else "xn--" + label.encode("punycode").decode("ascii") for label in mapped.split(".")]
    except (idna.IDNAError, UnicodeError) as error:
        raise HostError("TypeError", f"Invalid URL: the host {host!r} is not a valid domain name ({error})") from None
    return ".".join(labels)


CODEC_OPS: dict[str, Callable[..., Any]] = {
    "utf8encode": utf8encode,
    "decode": decode,
    "compress": compress,
    "decompress": decompress,
    "idna": idna_to_ascii,
}

__all__ = ["CODEC_OPS", "ENCODINGS", "WBITS", "compress", "decode", "decompress", "idna_to_ascii", "utf8encode"]
