"""What users do: read records, batch edits, spreadsheets, jobs, sync, create,
quality reports, calendars. An operation asks a port; the CLI calls one operation."""
