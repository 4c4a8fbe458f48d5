"""Tables, plots and statistics from a results directory."""
