#!/usr/bin/env bash
# Runs the benchmarks against Adobe's own client and prints one markdown table (bench/README.md).
#
#     bench/run.sh                 # everything: ours peer reads check packing (about 4 minutes once built)
#     bench/run.sh ours peer       # only the named workloads; the table shows what has run
#
# Builds the release binary, makes bench/.venv with Adobe's umapi-client from PyPI (the only
# download), then runs each workload; every simulator runs on an ephemeral 127.0.0.1 port and is
# stopped when its workload ends, fails or is interrupted. Results: bench/out/*.json, logs
# bench/out/*.log, the table bench/out/table.md. Exit 0 when every workload ran and exited 0.
set -euo pipefail
cd "$(dirname "$0")/.."

export BENCH_OUT="${BENCH_OUT:-$PWD/bench/out}"
UMAPI_CLIENT_VERSION="3.0.1"
VENV="bench/.venv"
workloads=("$@")
[[ ${#workloads[@]} -gt 0 ]] || workloads=(ours peer reads check packing)
for workload in "${workloads[@]}"; do
    case "$workload" in
        ours | peer | reads | check | packing) ;;
        *) echo "error: unknown workload \"$workload\" (ours, peer, reads, check, packing)" >&2; exit 2 ;;
    esac
done

child=""
stop_child() {
    if [[ -n "$child" ]] && kill -0 "$child" 2>/dev/null; then
        kill -TERM "$child" 2>/dev/null || true # the workload stops its simulator on SIGTERM
        wait "$child" 2>/dev/null || true
    fi
}
trap 'stop_child; exit 130' INT TERM
trap 'stop_child' EXIT

# Runs one step in the background so that a signal to this script reaches it through the trap.
step() {
    "$@" &
    child=$!
    local status=0
    wait "$child" || status=$?
    child=""
    return "$status"
}

python=""
for candidate in "${PYTHON:-}" python3.11 python3; do
    if [[ -n "$candidate" ]] && command -v "$candidate" >/dev/null; then
        python="$candidate"
        break
    fi
done
[[ -n "$python" ]] || { echo "error: no python3.11 or python3 on PATH; the README lists the prerequisites" >&2; exit 2; }

echo "== building the release binary (cargo build --release --locked)" >&2
step cargo build --release --locked --bin umapi-bulk
target_dir="$(cargo metadata --format-version 1 --no-deps --locked | "$python" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
export UMAPI_BULK="$target_dir/release/umapi-bulk" # honours CARGO_TARGET_DIR
if [[ " ${workloads[*]} " == *" check "* ]]; then
    echo "== building the check benchmark (cargo bench --no-run --bench check)" >&2
    step cargo bench --locked --no-run --bench check
fi

if ! "$VENV/bin/python" -c "import umapi_client, sys; sys.exit(umapi_client.__version__ != '$UMAPI_CLIENT_VERSION')" 2>/dev/null; then
    echo "== making $VENV with umapi-client $UMAPI_CLIENT_VERSION from PyPI ($("$python" --version))" >&2
    step "$python" -m venv --clear "$VENV"
    step "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "umapi-client==$UMAPI_CLIENT_VERSION"
fi

mkdir -p "$BENCH_OUT"
failed=()
for workload in "${workloads[@]}"; do
    case "$workload" in
        ours) script=bench/ours_add.py ;;
        peer) script=bench/peer_add.py ;;
        reads) script=bench/reads.py ;;
        check) script=bench/check_bench.py ;;
        packing) script=bench/packing.py ;;
    esac
    rm -f "$BENCH_OUT/$workload.json"
    echo "== $workload ($script)" >&2
    step "$VENV/bin/python" "$script" || failed+=("$workload")
done

echo
"$VENV/bin/python" bench/table.py
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "failed: ${failed[*]} (logs in $BENCH_OUT)" >&2
    exit 1
fi
