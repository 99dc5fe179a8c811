"""Visit data: parsing with positions, the typed model, loading and validation."""

from kzru_reports.data.load import find_visit_files, load_visit, parse_visit
from kzru_reports.data.schema import Visit, json_schema

__all__ = ["Visit", "find_visit_files", "json_schema", "load_visit", "parse_visit"]
