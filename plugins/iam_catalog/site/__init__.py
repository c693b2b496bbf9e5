"""The published site's pages and downloads, rendered from a checked catalog (no mkdocs here)."""
