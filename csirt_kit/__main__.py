"""`python -m csirt_kit` runs the CLI."""

from csirt_kit.cli.main import run

run()
