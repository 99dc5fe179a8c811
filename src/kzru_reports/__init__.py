"""kzru-reports: briefing packs in DOCX and PDF from structured visit data."""

__version__ = "0.1.0"
