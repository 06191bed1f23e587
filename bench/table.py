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


def machine(results):
    """The machine, the time of the results and the load while they were measured."""
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            model = next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    times = sorted(result["measured_at"] for result in results if "measured_at" in result)
    loads = [result["load_average_1min"] for result in results if "load_average_1min" in result]
    when = f"{times[0]} to {times[-1]}" if times else datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%MZ")
    load = f"; 1-minute load average {min(loads):.1f}–{max(loads):.1f} as the workloads ended" if loads else ""
    return f"{when}; {os.cpu_count()} cores (nproc), {model}; {platform.system()} {platform.release()}{load}"


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
            count(ours.get("users_created")),
            count(peer.get("users_created")),
            "",
            "2,000",
        ]
    )
    return rows


def count(value):
    return f"{value:,}" if isinstance(value, int) else "–"


def read_rows(reads):
    if not reads:
        return [["edit 5,000 of 20,000 users: read requests to plan", "not run", "not run", "", ""]]
    failed = f" (exit {reads['exit_code']})" if reads.get("exit_code") else ""
    return [
        [
            "edit 5,000 of 20,000 users: read requests to plan (naive: one GET per row + catalogue)",
            f"{reads['reads_ours']:,}{failed}",
            f"{reads['reads_naive']:,}",
            f"{reads['ratio_naive_to_ours']:.0f}× fewer" if reads.get("ratio_naive_to_ours") else "",
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
        with_read = values.get("ratio_check_file")
        ours = f"{ratio:.2f}" if ratio is not None else "missing"
        if with_read is not None:
            ours += f" ({with_read:.2f} with the file read)"
        rows.append(
            [
                f"check 10 MB / 5,000 rows ({shape}): time / bare csv pass",
                ours,
                "1.00 (bare csv pass)",
                f"{ratio:.2f}" if ratio is not None else "",
                "≤ 2.0",
            ]
        )
        peak = values.get("peak_rss_kb")
        rows.append(
            [
                f"check 10 MB / 5,000 rows ({shape}): peak RSS",
                f"{peak / 1024:.1f} MiB" if peak is not None else "missing",
                "",
                "",
                "≤ 64 MiB",
            ]
        )
    return rows


def table(results):
    rows = (
        add_rows(results["ours"], results["peer"])
        + read_rows(results["reads"])
        + check_rows(results["check"])
    )
    lines = [
        "| workload | ours | peer/baseline | ratio | goal |",
        "|---|---|---|---|---|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main():
    results = {name: benchlib.load_result(name) for name in ("ours", "peer", "reads", "check")}
    text = f"Machine: {machine([result for result in results.values() if result])}\n\n{table(results)}\n"
    benchlib.OUT.mkdir(parents=True, exist_ok=True)
    (benchlib.OUT / "table.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
