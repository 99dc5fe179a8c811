"""The neutral document model shared by every template and writer."""

from kzru_reports.model import nodes
from kzru_reports.model.dump import dump, inline_text

__all__ = ["dump", "inline_text", "nodes"]
