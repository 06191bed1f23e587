#!/usr/bin/env python3
"""Regenerates src/validation/country_table.rs from Debian's iso-codes package.

    apt-get install iso-codes && python3 scripts/gen-country-table.py > src/validation/country_table.rs
"""
import json

SOURCE = "/usr/share/iso-codes/json/iso_3166-1.json"

def main():
    entries = json.load(open(SOURCE, encoding="utf-8"))["3166-1"]
    entries.sort(key=lambda entry: entry["alpha_2"])
    print("//! ISO 3166-1 alpha-2 codes with their alpha-3 codes and English names, generated from Debian's")
    print("//! `iso-codes` package (`iso_3166-1.json`) by `scripts/gen-country-table.py`; do not edit by hand.")
    print("//! Sorted by alpha-2 code so that lookups can binary-search.")
    print()
    print("/// `(alpha-2, alpha-3, name, common name or \"\")`, sorted by alpha-2.")
    print("pub(super) const COUNTRIES: [(&str, &str, &str, &str); %d] = [" % len(entries))
    for entry in entries:
        name = entry["name"].replace('"', '\\"')
        common = entry.get("common_name", "").replace('"', '\\"')
        print('    ("%s", "%s", "%s", "%s"),' % (entry["alpha_2"], entry["alpha_3"], name, common))
    print("];")

main()
