"""Workload 2 (peer): the same 2,000 users through Adobe's `umapi-client`, same simulator flags.

Runs in the venv that bench/run.sh makes (`umapi-client` from PyPI; a peer, never a dependency of
umapi-bulk). Starts a fresh `umapi-bulk sim` with the flags of workload 1, runs
`python bench/peer_client.py BASE_URL bench-add.csv` and prints the same figures as ours_add.py,
plus the users actually created (from `/_sim/state`) and the ratio peer / ours when OUT/ours.json
exists. Writes OUT/peer.json.
"""

import json
import subprocess
import sys
import time

import benchlib
import generate


def main():
    benchlib.terminate_on_sigterm()
    benchlib.require_binary()
    work = benchlib.OUT / "peer"
    work.mkdir(parents=True, exist_ok=True)
    csv_path = work / "bench-add.csv"
    generate.write_add_csv(csv_path, benchlib.ADD_USERS)
    client = benchlib.BENCH / "peer_client.py"
    with benchlib.simulator("peer", benchlib.ADD_SIM_FLAGS) as sim:
        print(f"peer: umapi-client {peer_version()} against {sim.base_url} ({' '.join(benchlib.ADD_SIM_FLAGS)})", flush=True)
        with open(benchlib.OUT / "peer-client.log", "w") as log:
            started = time.monotonic()
            completed = subprocess.run(
                [sys.executable, str(client), sim.base_url, str(csv_path)], stdout=subprocess.PIPE, stderr=log, text=True
            )
            wall = time.monotonic() - started
        state = sim.state()
    counters = state["counters"]
    created = sum(1 for user in state["users"] if user["email"].startswith("bench.user") and "Contractors" in user.get("groups", []))
    try:
        reported = json.loads(completed.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        reported = {"unparsed_stdout": completed.stdout[-2000:]}
    figures = {
        "exit_code": completed.returncode,
        "wall_secs": round(wall, 2),
        "ratio_to_minimum": round(wall / benchlib.ADD_THEORETICAL_MIN_SECS, 3),
        "action_requests": counters["action_requests"],
        "throttled": counters["throttled"],
        "read_requests": counters["read_requests"],
        "users_created": created,
        "users_not_created": benchlib.ADD_USERS - created,
        "client_reported": reported,
    }
    ours = benchlib.load_result("ours")
    if ours:
        figures["ratio_wall_peer_to_ours"] = round(wall / ours["wall_secs"], 3)
    benchlib.save_result("peer", figures)
    print(
        f"peer: exit {completed.returncode}, wall {wall:.1f} s = {figures['ratio_to_minimum']:.3f} x the 60 s minimum; "
        f"{figures['action_requests']} action requests, {figures['throttled']} throttled (429); "
        f"{created} of {benchlib.ADD_USERS} users created, {reported.get('failed_batches', '?')} batches given up"
    )
    if ours:
        print(f"peer / ours wall time: {figures['ratio_wall_peer_to_ours']:.3f}")
    if completed.returncode != 0:
        print(f"peer: the client exited {completed.returncode}; see {benchlib.OUT / 'peer-client.log'}", file=sys.stderr)
        return 1
    return 0


def peer_version():
    try:
        import umapi_client

        return umapi_client.__version__
    except ImportError:
        sys.exit("error: umapi_client is not installed in this Python\nhint: run bench/run.sh, which makes the venv")


if __name__ == "__main__":
    sys.exit(main())
