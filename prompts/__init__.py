"""Prompt templates, kept as data files beside this module and validated at start-up."""
