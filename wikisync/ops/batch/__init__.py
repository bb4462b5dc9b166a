"""Batch edits of template fields, and the report of a batch."""
