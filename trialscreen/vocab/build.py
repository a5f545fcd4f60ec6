"""Regenerate the vocabulary snapshots in `trialscreen/vocab/data/` from the pinned packages.

    python -m trialscreen.vocab.build          # rewrite the snapshots
    python -m trialscreen.vocab.build --check  # exit 1 when a snapshot differs from the installed package

The snapshots hold the packages' own data (ICD-10-CM 2026 from `simple-icd-10-cm`, drug names and brand
names from `drug-named-entity-recognition`) in a compact form that loads in tens of milliseconds; importing
the packages themselves costs about two seconds and hundreds of megabytes each (README: Vocabularies).
The packages are needed only here (the `vocab` extra), never at run time.
"""

from __future__ import annotations

import argparse
import bz2
import gzip
import io
import pickle
import sys
from importlib import resources
from pathlib import Path

DATA = Path(__file__).parent / "data"
ICD_FILE = DATA / "icd10cm.tsv.gz"
DRUG_FILE = DATA / "drugnames.tsv.gz"


def _clean(text: str) -> str:
    return " ".join(text.replace("\t", " ").replace("|", "/").split())


def icd10cm_rows() -> list[str]:
    """code, parent, description, inclusion terms: every chapter, block, category and subcategory.

    Codes with a 7th character (injury episodes, fetus numbers) are left out: `is_a` walks such a code
    up to its subcategory.
    """
    import simple_icd_10_cm as cm  # dev-time only: two seconds to import

    rows = []
    seen: set[str] = set()
    for code in cm.get_all_codes(with_dots=True):
        if cm.is_extended_subcategory(code):
            continue
        both = cm.is_block(code) and cm.is_category(code)  # block "C50" holds category "C50" only
        as_block = both and code not in seen
        seen.add(code)
        parent = cm.get_parent(code, prioritize_blocks=as_block)
        name = f"{code}-{code}" if as_block else code
        if both and not as_block:
            parent = f"{code}-{code}"
        terms = [] if as_block else [_clean(t) for t in cm.get_inclusion_term(code)]
        desc = cm.get_description(code, prioritize_blocks=as_block)
        rows.append("\t".join([name, parent, _clean(desc), "|".join(terms)]))
    return rows


def drug_rows() -> list[str]:
    """canonical name, all its names (lower case, generic and brand), its brand names."""
    path = resources.files("drug_named_entity_recognition").joinpath("drug_ner_dictionary.pkl.bz2")
    with path.open("rb") as raw, bz2.open(raw) as f:
        d = pickle.load(f)  # the package's own shipped dictionary (its module would also read ~/.omop_cache.pkl)
    brand = d["drug_variant_to_variant_data"]
    names: dict[str, set[str]] = {}
    brands: dict[str, set[str]] = {}
    for variant, canonicals in d["drug_variant_to_canonical"].items():
        if not variant or "&" in variant or "<" in variant:
            continue  # markup left over from the package's Wikipedia sources
        for c in canonicals:
            names.setdefault(_clean(c), set()).add(_clean(variant))
            if brand.get(variant, {}).get("is_brand"):
                brands.setdefault(_clean(c), set()).add(_clean(variant))
    return ["\t".join([c, "|".join(sorted(names[c])), "|".join(sorted(brands.get(c, ())))]) for c in sorted(names)]


def _gz(rows: list[str], header: str) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, compresslevel=9) as f:
        f.write(("\n".join([header, *rows]) + "\n").encode("utf-8"))
    return buf.getvalue()


def snapshots() -> dict[Path, bytes]:
    from importlib.metadata import version

    return {
        ICD_FILE: _gz(icd10cm_rows(), f"# simple-icd-10-cm {version('simple-icd-10-cm')}: code parent name terms"),
        DRUG_FILE: _gz(drug_rows(), f"# drug-named-entity-recognition {version('drug-named-entity-recognition')}"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    stale = []
    for path, data in snapshots().items():
        if args.check:
            if not path.exists() or gzip.decompress(path.read_bytes()) != gzip.decompress(data):
                stale.append(path.name)
        else:
            path.write_bytes(data)
            print(f"wrote {path} ({len(data) / 1e6:.2f} MB)")
    if stale:
        print(f"stale snapshots: {', '.join(stale)}; run: python -m trialscreen.vocab.build", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
