"""A report's figures: which ones a section has, the shared style, the plots, drawing them in parallel."""
