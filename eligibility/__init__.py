"""The eligibility engine: criteria compiled into typed rules, patient facts, verdicts with citations."""
