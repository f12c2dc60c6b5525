"""Printable documents: A4 PDFs with embedded Chinese fonts, needing no system fonts."""

from services.documents.pdf import Document, Field, SealArea, Section, render

__all__ = ["Document", "Field", "SealArea", "Section", "render"]
