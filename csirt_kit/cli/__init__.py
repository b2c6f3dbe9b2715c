"""The command line: the only package that imports typer or rich and picks exit codes."""
