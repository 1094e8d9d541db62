"""The certificate PDF, drawn with fpdf2 and the DejaVu fonts matplotlib ships (embedded, subset).

DejaVu covers Latin, Greek, Cyrillic and Vietnamese ("Łukasz", "Nguyễn", "Zoë"); it has no CJK
glyphs, which fpdf2 then leaves out of the drawn text.
"""

from datetime import datetime
from functools import cache
from importlib.util import find_spec
from pathlib import Path

FONTS = {("sans", ""): "DejaVuSans.ttf", ("sans", "B"): "DejaVuSans-Bold.ttf",
         ("mono", ""): "DejaVuSansMono.ttf"}


@cache
def _font_dir() -> Path:
    """matplotlib's bundled fonts, found without importing matplotlib (half a second)."""
    spec = find_spec("matplotlib")
    assert spec is not None and spec.origin is not None, "matplotlib is an app dependency"
    return Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf"


def render_certificate(
    holder_name: str, course_title: str, issued_at: datetime, verification_code: str, issuer: str
) -> bytes:
    """A one-page landscape A4 certificate with the verification code."""
    from fpdf import FPDF  # over a second to import: only where certificates are drawn

    pdf = FPDF(orientation="landscape", format="A4")
    for (family, style), file in FONTS.items():
        pdf.add_font(family, style, str(_font_dir() / file))
    pdf.set_title(f"Certificate - {course_title}")
    pdf.set_creator("Cognify AI")
    pdf.add_page()
    pdf.set_line_width(1.5)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    lines = (
        ("sans", "B", 30, 40, "Certificate of Completion"),
        ("sans", "", 14, 62, "This certifies that"),
        ("sans", "B", 26, 78, holder_name),
        ("sans", "", 14, 98, "has passed the certifying exam of"),
        ("sans", "B", 20, 112, course_title),
        ("sans", "", 12, 140, f"Issued by {issuer} on {issued_at:%d %B %Y}"),
        ("mono", "", 11, 170, f"Verification code: {verification_code}"),
    )
    for family, style, size, y, text in lines:
        pdf.set_font(family, style, size)
        pdf.set_xy(15, y)
        pdf.cell(pdf.w - 30, 12, text, align="C")
    return bytes(pdf.output())
