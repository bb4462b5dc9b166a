"""Jobs: index pages and files rebuilt from records, their configuration and memo."""
