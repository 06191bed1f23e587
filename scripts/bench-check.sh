#!/usr/bin/env bash
# Runs the `check` benchmark (benches/check.rs): a generated 10 MB, 5,000-row valid bulk-add file
# checked against a bare csv-crate pass over the same bytes; prints the ratio and peak RSS.
# Release build; takes a few minutes the first time. Figures go to docs/benchmarks.md (ratios
# only: absolute times follow the machine's load).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --bench check "$@"
