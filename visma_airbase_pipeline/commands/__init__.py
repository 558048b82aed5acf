"""The ``vab`` subcommands, one module each; ``cli.py`` only parses and dispatches."""
