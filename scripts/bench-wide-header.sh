#!/usr/bin/env bash
# Measures how `umapi-bulk check` grows with the width of the header row (docs/fuzzing.md): a
# file whose header holds N distinct unknown column names and one data row, for N = 20,000, 40,000
# and 80,000. Prints seconds per width and the ratio of each time to the previous one: about 2 when
# the work is linear in the width, about 4 when it is quadratic (as header duplicate detection was).
#
#   scripts/bench-wide-header.sh                       # builds and uses target/release/umapi-bulk
#   BIN=target/debug/umapi-bulk scripts/bench-wide-header.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${BIN:-}" ]]; then
    cargo build --release --locked --quiet
    BIN=target/release/umapi-bulk
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
previous=""
for width in 20000 40000 80000; do
    python3 -c "import sys; sys.stdout.write(','.join('Column %d' % i for i in range($width)) + '\nx\n')" > "$work/wide.csv"
    start=$(date +%s.%N)
    "$BIN" check --op add "$work/wide.csv" > /dev/null 2>&1 || true
    end=$(date +%s.%N)
    seconds=$(python3 -c "print(f'{$end - $start:.2f}')")
    ratio=$([[ -n "$previous" ]] && python3 -c "print(f'  (x{$seconds / max($previous, 0.01):.1f} for twice the width)')" || true)
    echo "$width columns: $seconds s$ratio"
    previous=$seconds
done
