"""The pure core: pages, text, values, dates, edits, merge, sections, records,
schema, render. No I/O: strings in, values out. Imports nothing of wikisync outside core."""
