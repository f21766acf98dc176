"""QR codes for enrolment letters, as inline SVG (no script, no style: fits the CSP)."""

from __future__ import annotations

import segno


def enrolment_qr(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=5, border=2, title="QR code for the enrolment page")
