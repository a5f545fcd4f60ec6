"""Vocabulary adapters over well-kept packages (README: Vocabularies).

- `conditions`: ICD-10-CM 2026 (from `simple-icd-10-cm`): text -> codes, and `is_a` over its hierarchy.
- `drugs`: drug and brand names (from `drug-named-entity-recognition`) mapped to our canonical names.
- `units`: unit conversion through pint, with the spellings labs and registries use.
- `abbreviations`: clinical abbreviations (HCQ, uPCR, BID, h/o) as data.

Each loads its data lazily, once, on first use: importing this package costs nothing.
"""
