from ganbench.cli import entry

entry()
