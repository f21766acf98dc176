"""Draw the app icons (web/static/pwa/icons/*.png) with no image library.

Run once after changing the design: ``python scripts/make_pwa_icons.py``.
Two white shoe prints on the brand blue. "any" icons are a rounded square on
a transparent background; "maskable" icons fill the square, with the prints
inside the central safe circle (80% of the width) that launchers keep.
"""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

BLUE = (0x0B, 0x53, 0x94)
WHITE = (0xFF, 0xFF, 0xFF)
OUT = Path(__file__).resolve().parent.parent / "web" / "static" / "pwa" / "icons"
SAMPLES = 4  # per axis, for smooth edges


def png(width: int, height: int, rows: list[bytes]) -> bytes:
    """An 8-bit RGBA PNG from raw rows."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + row for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def in_ellipse(x: float, y: float, cx: float, cy: float, rx: float, ry: float, angle: float) -> bool:
    c, s = math.cos(angle), math.sin(angle)
    dx, dy = x - cx, y - cy
    u, v = dx * c + dy * s, -dx * s + dy * c
    return (u / rx) ** 2 + (v / ry) ** 2 <= 1


def in_print(x: float, y: float, cx: float, cy: float, scale: float, degrees: float) -> bool:
    """A shoe print: the forefoot and the heel, tilted."""
    a = math.radians(degrees)
    c, s = math.cos(a), math.sin(a)

    def at(px: float, py: float) -> tuple[float, float]:
        return cx + (px * c - py * s) * scale, cy + (px * s + py * c) * scale

    fx, fy = at(0.0, -0.10)
    hx, hy = at(0.0, 0.175)
    return (in_ellipse(x, y, fx, fy, 0.095 * scale, 0.15 * scale, a)
            or in_ellipse(x, y, hx, hy, 0.072 * scale, 0.085 * scale, a))


def in_rounded_square(x: float, y: float, lo: float, hi: float, r: float) -> bool:
    if not (lo <= x <= hi and lo <= y <= hi):
        return False
    cx = min(max(x, lo + r), hi - r)
    cy = min(max(y, lo + r), hi - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def draw(size: int, maskable: bool) -> bytes:
    scale = 0.8 if maskable else 0.95
    centre = 0.5

    def prints(x: float, y: float) -> bool:
        # Placed about the centre, so a smaller scale keeps them in the safe circle.
        def place(px: float, py: float) -> tuple[float, float]:
            return centre + (px - centre) * scale, centre + (py - centre) * scale
        ax, ay = place(0.37, 0.60)
        bx, by = place(0.63, 0.40)
        return in_print(x, y, ax, ay, scale, -10) or in_print(x, y, bx, by, scale, 10)

    rows = []
    for j in range(size):
        row = bytearray()
        for i in range(size):
            bg = fg = 0
            for sj in range(SAMPLES):
                for si in range(SAMPLES):
                    x = (i + (si + 0.5) / SAMPLES) / size
                    y = (j + (sj + 0.5) / SAMPLES) / size
                    inside = maskable or in_rounded_square(x, y, 0.03, 0.97, 0.2)
                    if inside:
                        if prints(x, y):
                            fg += 1
                        else:
                            bg += 1
            total = SAMPLES * SAMPLES
            alpha = (bg + fg) / total
            if bg + fg:
                colour = [round((BLUE[k] * bg + WHITE[k] * fg) / (bg + fg)) for k in range(3)]
            else:
                colour = [0, 0, 0]
            row += bytes((*colour, round(alpha * 255)))
        rows.append(bytes(row))
    return png(size, size, rows)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        (OUT / f"icon-{size}.png").write_bytes(draw(size, maskable=False))
        (OUT / f"maskable-{size}.png").write_bytes(draw(size, maskable=True))
    print("wrote", ", ".join(sorted(p.name for p in OUT.glob("*.png"))))


if __name__ == "__main__":
    main()
