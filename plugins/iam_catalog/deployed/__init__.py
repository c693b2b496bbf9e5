"""A deployed identity against the catalog (check), and a denial explained (explain)."""
