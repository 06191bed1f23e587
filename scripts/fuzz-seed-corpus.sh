#!/usr/bin/env bash
# Seeds the fuzz corpora (docs/fuzzing.md) from every CSV in fixtures/ and samples/. The corpora
# are git-ignored (fuzz/corpus/): run this once before the first `cargo fuzz run`, and again after
# fixtures change. Safe to re-run; it only adds files.
#
#   fuzz/corpus/parse/        each file as it is
#   fuzz/corpus/check_bytes/  each file eight times, behind a selector byte 0x00-0x07 (operation in
#                             the low two bits: add, edit, remove, revoke; bit 2: claimed domains on)
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p fuzz/corpus/parse fuzz/corpus/check_bytes
count=0
while IFS= read -r -d '' file; do
    name=$(printf '%s' "${file%.csv}" | tr '/' '_')
    cp "$file" "fuzz/corpus/parse/$name"
    for selector in 0 1 2 3 4 5 6 7; do
        { printf "\\x0$selector"; cat "$file"; } > "fuzz/corpus/check_bytes/$name.$selector"
    done
    count=$((count + 1))
done < <(find fixtures samples -type f -name '*.csv' -print0 | sort -z)
echo "seeded $count files into fuzz/corpus/parse and $((count * 8)) into fuzz/corpus/check_bytes"
