"""A report as format-neutral blocks, written as Markdown, HTML or LaTeX, with its data exported."""
