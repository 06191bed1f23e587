"""Prints the benchmark table from OUT/{ours,peer,reads,check}.json (written by the workloads).

    python3 bench/table.py

One markdown table — workload | ours | peer/baseline | ratio | goal — preceded by the machine
(`nproc`, CPU model from /proc/cpuinfo, load average, date), also written to OUT/table.md. A
workload that did not run shows "not run"; one that failed shows its exit code.
"""

import datetime
import os
import platform

import benchlib


def machine():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            model = next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"{today}; {os.cpu_count()} cores (nproc), {model}; {platform.system()} {platform.release()}; load average {load}"


def add_rows(ours, peer):
    rows = []
    if not ours and not peer:
        return [["2,000-user add (100 action requests/min, 50 ms)", "not run", "not run", "", ""]]
    ours = ours or {}
    peer = peer or {}

    def wall(figures):
        if not figures:
            return "not run"
        failed = f" (exit {figures['exit_code']})" if figures.get("exit_code") else ""
        return f"{figures['ratio_to_minimum']:.3f} ({figures['wall_secs']:.1f} s){failed}"

    ratio = f"{peer['wall_secs'] / ours['wall_secs']:.2f} (peer / ours)" if ours and peer else ""
    rows.append(["2,000-user add at 100 action requests/min, 50 ms: wall time / 60 s", wall(ours), wall(peer), ratio, "≤ 1.05"])
    rows.append(
        [
            "… action requests sent / answered 429",
            f"{ours.get('action_requests', '–')} / {ours.get('throttled', '–')}",
            f"{peer.get('action_requests', '–')} / {peer.get('throttled', '–')}",
            "",
            "200 / 0",
        ]
    )
    rows.append(
        [
            "… users created (of 2,000)",
            str(ours.get("users_created", "–")),
            str(peer.get("users_created", "–")),
            "",
            "2,000",
        ]
    )
    return rows


def read_rows(reads):
    if not reads:
        return [["edit 5,000 of 20,000 users: read requests to plan", "not run", "not run", "", ""]]
    failed = f" (exit {reads['exit_code']})" if reads.get("exit_code") else ""
    return [
        [
            "edit 5,000 of 20,000 users: read requests to plan (naive: one GET per row + catalogue)",
            f"{reads['reads_ours']}{failed}",
            str(reads["reads_naive"]),
            f"{reads['ratio_naive_to_ours']}× fewer" if reads.get("ratio_naive_to_ours") else "",
            "fewer than naive",
        ],
        [
            "… the same reads at Adobe's 25 reads/min",
            f"{reads['minutes_at_25_ours']:.1f} min",
            f"{reads['minutes_at_25_naive']:.0f} min",
            "",
            "",
        ],
    ]


def check_rows(check):
    if not check:
        return [["check 10 MB / 5,000 rows: time / bare csv pass", "not run", "", "", "≤ 2.0"]]
    if not check.get("shapes"):
        return [["check 10 MB / 5,000 rows: time / bare csv pass", f"failed (exit {check.get('exit_code')})", "", "", "≤ 2.0"]]
    rows = []
    for shape, values in check["shapes"].items():
        ratio = values.get("ratio_check_bytes")
        rows.append(
            [
                f"check 10 MB / 5,000 rows ({shape}): time / bare csv pass",
                f"{ratio:.2f}" if ratio is not None else "missing",
                "1.00 (bare csv pass)",
                f"{ratio:.2f}" if ratio is not None else "",
                "≤ 2.0",
            ]
        )
        peak = values.get("peak_rss_kb")
        rows.append(
            [
                f"check 10 MB / 5,000 rows ({shape}): peak RSS",
                f"{peak / 1024:.1f} MB" if peak is not None else "missing",
                "",
                "",
                "≤ 64 MB",
            ]
        )
    return rows


def table():
    rows = (
        add_rows(benchlib.load_result("ours"), benchlib.load_result("peer"))
        + read_rows(benchlib.load_result("reads"))
        + check_rows(benchlib.load_result("check"))
    )
    lines = [
        "| workload | ours | peer/baseline | ratio | goal |",
        "|---|---|---|---|---|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main():
    text = f"Machine: {machine()}\n\n{table()}\n"
    benchlib.OUT.mkdir(parents=True, exist_ok=True)
    (benchlib.OUT / "table.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
