#!/usr/bin/env bash
# Measures the simulator's throughput: 1,000 action requests of 10 commands each, limits off,
# over loopback HTTP (benches/sim_throughput.rs). Prints wall time and requests/commands per second.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --locked --bench sim_throughput
