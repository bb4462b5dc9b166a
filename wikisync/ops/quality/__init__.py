"""The data-quality check and its HTML report."""
