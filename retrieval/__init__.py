"""Search over the indexed chunks."""
