"""Raw payloads: every object is kept as received, compressed, under the hash of its bytes.

Keying by content hash makes storing idempotent: the same line imported twice is one row.
"""

from __future__ import annotations

import hashlib

import zstandard

CODEC = "zstd"

_compressor = zstandard.ZstdCompressor(level=3)
_decompressor = zstandard.ZstdDecompressor()


def raw_id_of(payload: bytes) -> str:
    """The stable id of a payload: 128-bit BLAKE2b of its bytes, in hex."""
    return hashlib.blake2b(payload, digest_size=16).hexdigest()


def compress(payload: bytes) -> bytes:
    return _compressor.compress(payload)


def decompress(blob: bytes) -> bytes:
    return _decompressor.decompress(blob)


def load_raw(con, raw_id: str) -> bytes:  # type: ignore[no-untyped-def]
    """The original bytes of a stored payload (for re-deriving a row when a mapping improves)."""
    row = con.execute("SELECT codec, payload FROM raw_payloads WHERE raw_id = ?", [raw_id]).fetchone()
    if row is None:
        raise KeyError(raw_id)
    codec, blob = row
    if codec != CODEC:
        raise ValueError(f"unknown codec {codec!r} for raw payload {raw_id}")
    return decompress(blob)
