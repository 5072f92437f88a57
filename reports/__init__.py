"""Reports over run folders: compare tables, charts, HTML/Markdown/Excel.

``reports`` reads run folders only (manifest, summary, tidy tables), never the Pyomo model.
"""

from .api import compare, report

__all__ = ["compare", "report"]
