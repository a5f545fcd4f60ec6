"""The offline evaluation harness: labeled cases in, metrics and reports out."""
