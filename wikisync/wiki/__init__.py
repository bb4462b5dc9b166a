"""The live-wiki adapter: the client, the reader (a Source), the writer (a save target)
and the revision cache."""
