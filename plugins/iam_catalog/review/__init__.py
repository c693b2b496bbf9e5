"""Reviewing a catalog change: what it grants or takes away, as a report for people and machines."""
