"""Workload `packing`: action requests of bulk edits, packed into usergroup commands, against the
per-user count and the lower bound, and the same edits under 20 % faults.

For each workload it writes a simulator state file and an edit file (bench/out/packing/), then,
against `umapi-bulk sim` with every limit off (the counts do not depend on the pace):

1. `umapi-bulk plan FILE --op edit --json` gives the plan's requests, the per-user count (each row
   one `user` command, 10 a request: what Adobe's umapi-client and the User Sync Tool send) and the
   lower bound (`plan::packing`: unavoidable user commands plus packable changes / 100, then / 10);
2. `umapi-bulk apply FILE --op edit` on a fresh simulator: the action requests the simulator
   received (`/_sim/state` counters), every row Success, and the org exactly as the file says;
3. the same apply on a fresh simulator with `--fault-rate 0.2` (502/503/504 and dropped
   connections, before or after applying), once per seed 7 to 11: the org exact, every row
   Success, nothing that was applied reported Failed; the action requests and reads, and how the
   users of packed steps a fault left in doubt were settled (read, answer, follow-up: from the
   journal's `resolution` records).

The workloads: move 5,000 users between two user groups; add 5,000 existing users to one group
(`--additive`); remove 2,000 users from three groups; `samples/bulk-edit.csv` on the demo org; a
mixed 5,000-row edit where each row changes one product configuration and one of 20 user groups.
Minutes are at Adobe's documented 10 action requests a minute (requests / 10). Prints a markdown
table and writes OUT/packing.json and OUT/packing.md. Exit 0 when every figure was measured and
every run ended exact, 1 otherwise.

    UMAPI_BULK=target/release/umapi-bulk python3 bench/packing.py
"""

import csv
import json
import math
import shutil
import subprocess
import sys

import benchlib

LIMITS_OFF = ["--action-rpm", "0", "--read-rpm", "0", "--groups-rpm", "0", "--global-rpm", "0"]
FAULT_SEEDS = [7, 8, 9, 10, 11]
ADOBE_ACTIONS_PER_MINUTE = 10
TEAMS = ["Team A", "Team B", "Team C", "Team D"]
MIXED_GROUPS = [f"Group {number:02}" for number in range(1, 21)]
MIXED_CONFIGURATIONS = ["Bench Config 1", "Bench Config 2"]
HEADER = ["Identity Type", "Username", "Domain", "Email", "Product Configurations", "User Groups"]


def member(number):
    return f"packer{number:05}@example.com"


def state_with(users, extra_groups=(), extra_configurations=()):
    """The demo org plus user groups, product configurations and Enterprise IDs (email, groups)."""
    demo = json.loads(benchlib.DEMO_STATE.read_text())
    demo["clients"] = [{"client_id": c["client_id"], "client_secret": c["client_secret"]} for c in demo["clients"]]
    demo["user_groups"] = demo["user_groups"] + [
        {"name": name, "description": "bench", "product_configurations": []} for name in extra_groups
    ]
    demo["product_configurations"] = demo["product_configurations"] + [
        {"name": name, "product": "Bench Product", "quota": 100000} for name in extra_configurations
    ]
    demo["users"] = demo["users"] + [
        {"type": "enterpriseID", "email": email, "firstname": "Bench", "lastname": "User", "country": "US", "groups": groups}
        for email, groups in users
    ]
    return demo


def write_rows(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\r\n")
        writer.writerow(HEADER)
        for email, configurations, groups in rows:
            writer.writerow(["Enterprise ID", email, "example.com", email, configurations, groups])


def workloads(work):
    """(name, title, state path, edit path, extra flags, expected groups by email or None)."""
    made = []

    def make(name, title, state, rows, flags, expected):
        state_path = work / f"{name}-org.json"
        edit_path = work / f"{name}.csv"
        state_path.write_text(json.dumps(state) + "\n")
        write_rows(edit_path, rows)
        made.append((name, title, state_path, edit_path, flags, expected))

    emails = [member(number) for number in range(1, 5001)]
    make(
        "move",
        "move 5,000 users between two user groups",
        state_with([(email, ["Team A"]) for email in emails], TEAMS),
        [(email, "", "Team B") for email in emails],
        ["--max-removals", "5000"],
        {email: ["Team B"] for email in emails},
    )
    make(
        "join",
        "add 5,000 existing users to one group (--additive)",
        state_with([(email, ["Team A"]) for email in emails], TEAMS),
        [(email, "", "Team B") for email in emails],
        ["--additive"],
        {email: ["Team A", "Team B"] for email in emails},
    )
    leavers = emails[:2000]
    make(
        "leave",
        "remove 2,000 users from three groups",
        state_with([(email, ["Team A", "Team B", "Team C", "Team D"]) for email in leavers], TEAMS),
        [(email, "", "Team D") for email in leavers],
        ["--max-removals", "6000"],
        {email: ["Team D"] for email in leavers},
    )
    sample = work / "bulk-edit-org.json"
    sample.write_text(json.dumps(state_with([])) + "\n")
    shutil.copyfile(benchlib.ROOT / "samples" / "bulk-edit.csv", work / "bulk-edit.csv")
    made.append(("sample", "samples/bulk-edit.csv (demo org)", sample, work / "bulk-edit.csv", [], None))
    make(
        "mixed",
        "5,000 rows: one product configuration and one of 20 user groups each",
        state_with([(email, []) for email in emails], MIXED_GROUPS, MIXED_CONFIGURATIONS),
        [(email, MIXED_CONFIGURATIONS[n % 2], MIXED_GROUPS[n % 20]) for n, email in enumerate(emails)],
        [],
        {email: sorted([MIXED_CONFIGURATIONS[n % 2], MIXED_GROUPS[n % 20]]) for n, email in enumerate(emails)},
    )
    return made


def run(command, cwd, log_name):
    with open(benchlib.OUT / log_name, "w") as log:
        return subprocess.run(command, cwd=cwd, stdout=subprocess.PIPE, stderr=log, text=True)


def results_of(run_dir):
    with open(run_dir / "results.csv", encoding="utf-8-sig", newline="") as file:
        return [row["Result"] for row in csv.DictReader(file)]


def exact(sim, expected):
    """Whether every user of `expected` holds exactly those groups (None: nothing to compare)."""
    if expected is None:
        return True
    users = {user["email"]: sorted(user.get("groups", [])) for user in sim.state()["users"]}
    return all(users.get(email) == sorted(groups) for email, groups in expected.items())


def apply_once(name, suffix, state_path, edit_path, flags, expected, work, sim_flags):
    """One apply on a fresh simulator: (action requests, read requests, exit code, all Success, exact)."""
    folder = work / f"{name}-{suffix}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    with benchlib.simulator(f"packing-{name}-{suffix}", LIMITS_OFF + sim_flags, state=state_path) as sim:
        config = benchlib.write_config(folder, sim, action_rpm=0, read_rpm=0, groups_rpm=0)
        if sim_flags:
            with open(config, "a") as file:
                file.write('max_attempts = 8\nbackoff_base = "20ms"\nbackoff_cap = "200ms"\n')
        before = sim.counters()
        command = [str(benchlib.BINARY), "apply", str(edit_path), "--op", "edit", "--out-dir", "runs", *flags]
        completed = run(command, folder, f"packing-{name}-{suffix}.log")
        after = sim.counters()
        runs = sorted((folder / "runs").iterdir()) if (folder / "runs").exists() else []
        results = results_of(runs[-1]) if runs else []
        journal = (runs[-1] / "journal.jsonl").read_text() if runs else ""
        return {
            "settled_by_read": journal.count('"by":"read"'),
            "settled_by_answer": journal.count('"by":"answer"'),
            "sent_again": journal.count('"by":"follow_up"'),
            "action_requests": after["action_requests"] - before["action_requests"],
            "read_requests": after["read_requests"] - before["read_requests"],
            "faults": after["faults"] - before["faults"],
            "exit_code": completed.returncode,
            "rows": len(results),
            "all_success": bool(results) and all(result == "Success" for result in results),
            "failed": sum(1 for result in results if result == "Failed"),
            "exact": exact(sim, expected),
        }


def measure(name, title, state_path, edit_path, flags, expected, work):
    with benchlib.simulator(f"packing-{name}-plan", LIMITS_OFF, state=state_path) as sim:
        benchlib.write_config(work, sim, action_rpm=0, read_rpm=0, groups_rpm=0)
        command = [str(benchlib.BINARY), "plan", str(edit_path), "--op", "edit", "--json", *flags]
        completed = run(command, work, f"packing-{name}-plan.log")
    document = json.loads(completed.stdout or "{}")
    packing = document.get("packing") or {}
    clean = apply_once(name, "clean", state_path, edit_path, flags, expected, work, [])
    faulty = [
        apply_once(name, f"faults-{seed}", state_path, edit_path, flags, expected, work, ["--fault-rate", "0.2", "--seed", str(seed)])
        for seed in FAULT_SEEDS
    ]
    bound = packing.get("lower_bound", {}).get("requests", 0)
    figures = {
        "title": title,
        "plan_exit_code": completed.returncode,
        "membership_changes": packing.get("membership_changes"),
        "planned_requests": packing.get("requests"),
        "per_user_requests": packing.get("per_user_requests"),
        "lower_bound_requests": bound,
        "lower_bound": packing.get("lower_bound"),
        "requests": clean["action_requests"],
        "ratio_to_bound": round(clean["action_requests"] / bound, 3) if bound else None,
        "clean": clean,
        "faults": faulty,
    }
    print(f"packing: {name}: {json.dumps(figures)}", file=sys.stderr, flush=True)
    return figures


def minutes(requests):
    return f"{math.ceil(requests / ADOBE_ACTIONS_PER_MINUTE)} min" if requests is not None else "–"


def table(results):
    lines = [
        "| workload | membership changes | our action requests | per-user commands | lower bound | ours / bound "
        "| minutes at 10/min (ours / per user) | 20 % faults, 5 seeds: action requests; reads; settled by read / sent again; "
        "rows Success; org exact |",
        "|---|---|---|---|---|---|---|---|",
    ]

    def span(values):
        return f"{min(values)}–{max(values)}" if min(values) != max(values) else f"{min(values)}"

    for figures in results:
        runs = figures["faults"]
        fault_cell = (
            f"{span([run['action_requests'] for run in runs])}; {span([run['read_requests'] for run in runs])}; "
            f"{sum(run['settled_by_read'] for run in runs)} / {sum(run['sent_again'] for run in runs)}; "
            f"{'all' if all(run['all_success'] for run in runs) else 'NOT all'}; "
            f"{'exact' if all(run['exact'] for run in runs) else 'NOT exact'}"
        )
        ratio = f"{figures['ratio_to_bound']:.2f}" if figures["ratio_to_bound"] is not None else "–"
        lines.append(
            f"| {figures['title']} | {figures['membership_changes']:,} | {figures['requests']} "
            f"| {figures['per_user_requests']} | {figures['lower_bound_requests']} | {ratio} "
            f"| {minutes(figures['requests'])} / {minutes(figures['per_user_requests'])} | {fault_cell} |"
        )
    return "\n".join(lines) + "\n"


def main():
    benchlib.terminate_on_sigterm()
    benchlib.require_binary()
    work = benchlib.OUT / "packing"
    work.mkdir(parents=True, exist_ok=True)
    results = [measure(*workload, work) for workload in workloads(work)]
    text = table(results)
    print(text)
    (benchlib.OUT / "packing.md").write_text(text)
    benchlib.save_result("packing", {"workloads": results, "binary": str(benchlib.BINARY)})
    healthy = all(
        figures["plan_exit_code"] == 0
        and figures["clean"]["all_success"]
        and figures["clean"]["exact"]
        and all(run["all_success"] and run["exact"] and run["failed"] == 0 for run in figures["faults"])
        for figures in results
    )
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
