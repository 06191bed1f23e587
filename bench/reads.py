"""Workload 3 (reads): bulk edit of 5,000 users in a 20,000-user org — read requests spent planning.

Generates the org (bench/generate.py org-state: the demo org with 20,000 Enterprise IDs) and an
edit file naming 5,000 of them, starts `umapi-bulk sim` on it with every limit off, runs
`umapi-bulk plan bench-edit.csv --op edit` (client limits off too) and counts the read requests
the simulator received during the plan, by endpoint. The naive approach reads each row's user
with one `GET /organizations/{org}/users/{user}` (5,000) plus the same catalogue reads. Prints
both, the ratio, and the time each would take at Adobe's documented 25 user reads a minute
(requests / 25 minutes). Writes OUT/reads.json.
"""

import sys

import benchlib
import generate

ORG_USERS = 20000
EDIT_USERS = 5000
DOCUMENTED_READS_PER_MINUTE = 25
LIMITS_OFF = ["--action-rpm", "0", "--read-rpm", "0", "--groups-rpm", "0", "--global-rpm", "0"]
USER_READ_ENDPOINTS = ("users", "user", "users_by_group")


def main():
    benchlib.terminate_on_sigterm()
    benchlib.require_binary()
    work = benchlib.OUT / "reads"
    work.mkdir(parents=True, exist_ok=True)
    state_path = work / "org-20000.json"
    edit_path = work / "bench-edit.csv"
    generate.write_org_state(state_path, ORG_USERS)
    generate.write_edit_csv(edit_path, EDIT_USERS, ORG_USERS)
    with benchlib.simulator("reads", LIMITS_OFF, state=state_path) as sim:
        benchlib.write_config(work, sim, action_rpm=0, read_rpm=0, groups_rpm=0)
        before = sim.counters()
        command = [str(benchlib.BINARY), "plan", edit_path.name, "--op", "edit"]
        print(f"reads: {' '.join(command[1:])} against {sim.base_url} (20,000 users, limits off)", flush=True)
        exit_code, wall = benchlib.run_timed(command, work, "reads-plan.log")
        after = sim.counters()
    by_endpoint = {
        name: after["requests_by_endpoint"].get(name, 0) - before["requests_by_endpoint"].get(name, 0)
        for name in sorted(set(after["requests_by_endpoint"]) | set(before["requests_by_endpoint"]))
        if name != "ims_token"  # the token request is not a UMAPI read
    }
    reads = after["read_requests"] - before["read_requests"]
    catalogue = by_endpoint.get("groups", 0)
    user_reads = sum(by_endpoint.get(name, 0) for name in USER_READ_ENDPOINTS)
    naive = EDIT_USERS + catalogue
    figures = {
        "exit_code": exit_code,
        "plan_wall_secs": round(wall, 2),
        "reads_ours": reads,
        "reads_ours_by_endpoint": by_endpoint,
        "user_reads_ours": user_reads,
        "catalogue_reads": catalogue,
        "reads_naive": naive,
        "ratio_naive_to_ours": round(naive / reads, 1) if reads else None,
        "minutes_at_25_ours": round(reads / DOCUMENTED_READS_PER_MINUTE, 2),
        "minutes_at_25_naive": round(naive / DOCUMENTED_READS_PER_MINUTE, 2),
        "action_requests_during_plan": after["action_requests"] - before["action_requests"],
    }
    benchlib.save_result("reads", figures)
    print(
        f"reads: exit {exit_code}; ours {reads} read requests ({by_endpoint}); naive {naive} "
        f"({EDIT_USERS} single-user GETs + {catalogue} catalogue); naive / ours = {figures['ratio_naive_to_ours']}; "
        f"at {DOCUMENTED_READS_PER_MINUTE} reads a minute: ours {figures['minutes_at_25_ours']} min, "
        f"naive {figures['minutes_at_25_naive']} min"
    )
    if exit_code != 0:
        print(f"reads: plan exited {exit_code}; see {benchlib.OUT / 'reads-plan.log'}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
