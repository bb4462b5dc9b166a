"""Run the command line as ``python -m wikisync``."""

from wikisync.cli import cli

if __name__ == "__main__":
    cli()
