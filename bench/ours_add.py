"""Workload 1 (ours): a generated 2,000-row Bulk add users file through `umapi-bulk apply`.

Starts `umapi-bulk sim --action-rpm 100 --latency-ms 50 --global-rpm 0` (user reads 25 and group
reads 5 a minute, Adobe's defaults) on the demo org, configures the client at `action_rpm = 100`
(reads at their defaults), runs `umapi-bulk apply bench-add.csv --op add` and prints the wall time
of that process, wall time / 60 s (the theoretical minimum: 200 requests at 100 a minute), the
action requests and 429s the simulator counted, and what summary.json says. Writes OUT/ours.json.
"""

import json
import sys

import benchlib
import generate


def main():
    benchlib.terminate_on_sigterm()
    benchlib.require_binary()
    work = benchlib.OUT / "ours"
    work.mkdir(parents=True, exist_ok=True)
    csv_path = work / "bench-add.csv"
    generate.write_add_csv(csv_path, benchlib.ADD_USERS)
    with benchlib.simulator("ours", benchlib.ADD_SIM_FLAGS) as sim:
        benchlib.write_config(work, sim, action_rpm=100)
        command = [str(benchlib.BINARY), "apply", csv_path.name, "--op", "add", "--out-dir", "runs"]
        print(f"ours: {' '.join(command[1:])} against {sim.base_url} ({' '.join(benchlib.ADD_SIM_FLAGS)})", flush=True)
        exit_code, wall = benchlib.run_timed(command, work, "ours-apply.log")
        state = sim.state()
    counters = state["counters"]
    runs = sorted((work / "runs").glob("*"))
    summary = json.loads((runs[-1] / "summary.json").read_text()) if runs else {}
    created = sum(1 for user in state["users"] if user["email"].startswith("bench.user") and "Contractors" in user.get("groups", []))
    figures = {
        "exit_code": exit_code,
        "wall_secs": round(wall, 2),
        "ratio_to_minimum": round(wall / benchlib.ADD_THEORETICAL_MIN_SECS, 3),
        "action_requests": counters["action_requests"],
        "throttled": counters["throttled"],
        "read_requests": counters["read_requests"],
        "users_created": created,
        "summary_wall_secs": summary.get("wall_time_secs"),
        "summary_requests": summary.get("requests"),
        "summary_results": summary.get("results"),
    }
    benchlib.save_result("ours", figures)
    print(
        f"ours: exit {exit_code}, wall {wall:.1f} s = {figures['ratio_to_minimum']:.3f} x the 60 s minimum; "
        f"{figures['action_requests']} action requests, {figures['throttled']} throttled (429), "
        f"{figures['read_requests']} reads; {created} of {benchlib.ADD_USERS} users created"
    )
    if exit_code != 0:
        print(f"ours: apply exited {exit_code}; see {benchlib.OUT / 'ours-apply.log'}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
