"""The certificate PDF, drawn with fpdf2's core fonts (Latin-1; other characters become '?')."""

from datetime import datetime

from fpdf import FPDF


def _latin1(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


def render_certificate(
    holder_name: str, course_title: str, issued_at: datetime, verification_code: str, issuer: str
) -> bytes:
    """A one-page landscape A4 certificate with the verification code."""
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_title(_latin1(f"Certificate - {course_title}"))
    pdf.set_creator("Cognify AI")
    pdf.add_page()
    pdf.set_line_width(1.5)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    lines = (
        ("helvetica", "B", 30, 40, "Certificate of Completion"),
        ("helvetica", "", 14, 62, "This certifies that"),
        ("helvetica", "B", 26, 78, holder_name),
        ("helvetica", "", 14, 98, "has passed the certifying exam of"),
        ("helvetica", "B", 20, 112, course_title),
        ("helvetica", "", 12, 140, f"Issued by {issuer} on {issued_at:%d %B %Y}"),
        ("courier", "", 11, 170, f"Verification code: {verification_code}"),
    )
    for family, style, size, y, text in lines:
        pdf.set_font(family, style, size)
        pdf.set_xy(15, y)
        pdf.cell(pdf.w - 30, 12, _latin1(text), align="C")
    return bytes(pdf.output())
