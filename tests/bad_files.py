"""Generators of damaged fonts and images, as a tester made them."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

FONT = (
    Path(__file__).resolve().parents[1] / "src" / "kzru_reports" / "fonts" / "NotoSans-Regular.ttf"
)


def _tables(data: bytes) -> dict[bytes, tuple[int, int, int]]:
    """tag -> (directory entry offset, table offset, length)."""
    count = struct.unpack(">H", data[4:6])[0]
    out = {}
    for i in range(count):
        base = 12 + 16 * i
        tag, _, offset, length = struct.unpack(">4sIII", data[base : base + 16])
        out[tag] = (base, offset, length)
    return out


def _sum(data: bytes) -> int:
    data += b"\0" * (-len(data) % 4)
    return sum(struct.unpack(f">{len(data) // 4}I", data)) & 0xFFFFFFFF


def _with_checksums(data: bytearray) -> bytes:
    """Table checksums and the head's checkSumAdjustment made right again, so that
    only the damage itself is wrong."""
    tables = _tables(bytes(data))
    head = tables[b"head"][1]
    data[head + 8 : head + 12] = b"\0\0\0\0"
    for base, offset, length in tables.values():
        data[base + 4 : base + 8] = struct.pack(">I", _sum(bytes(data[offset : offset + length])))
    adjust = (0xB1B0AFBA - _sum(bytes(data))) & 0xFFFFFFFF
    data[head + 8 : head + 12] = struct.pack(">I", adjust)
    return bytes(data)


def font_units_per_em_zero(path: Path) -> Path:
    data = bytearray(FONT.read_bytes())
    head = _tables(bytes(data))[b"head"][1]
    data[head + 18 : head + 20] = b"\0\0"  # unitsPerEm
    path.write_bytes(_with_checksums(data))
    return path


def font_cmap_count_ffff(path: Path) -> Path:
    data = bytearray(FONT.read_bytes())
    cmap = _tables(bytes(data))[b"cmap"][1]
    data[cmap + 2 : cmap + 4] = b"\xff\xff"  # numTables
    path.write_bytes(_with_checksums(data))
    return path


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png(extra: bytes) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 20), "#0B4F6C").save(buf, "PNG")
    data = buf.getvalue()
    at = data.index(b"IDAT") - 4
    return data[:at] + extra + data[at:]


def png_iccp_bomb(path: Path) -> Path:
    """An ICC profile chunk that inflates to 200 MB."""
    profile = zlib.compress(b"\0" * (200 * 1024 * 1024), 9)
    path.write_bytes(_png(_chunk(b"iCCP", b"icc\0\0" + profile)))
    return path


def png_ztxt_bomb(path: Path) -> Path:
    """A compressed text chunk that inflates to 200 MB."""
    text = zlib.compress(b"a" * (200 * 1024 * 1024), 9)
    path.write_bytes(_png(_chunk(b"zTXt", b"Comment\0\0" + text)))
    return path


def jpeg_huge(path: Path) -> Path:
    """A JPEG whose header declares 65000 x 65000 pixels."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (16, 16), "white").save(buf, "JPEG")
    data = bytearray(buf.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", 65000, 65000)
    path.write_bytes(bytes(data))
    return path
