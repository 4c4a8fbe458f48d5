"""The command line: commands end to end, suite validation, startup imports, the README's examples."""
