"""Workload 4 (check): runs the validator's benchmark and picks its ratios and peak RSS.

Runs `cargo bench --locked --bench check` (benches/check.rs: a generated 10 MB, 5,000-row valid
bulk-add file in two shapes, `check` against a bare csv-crate pass over the same bytes) as it is
in this checkout, saves its whole output to OUT/check-bench.log, and parses per shape what the
`check` command runs: `ratio check_bytes_report / bare pass`, `ratio check_file_report / (read +
bare)` and `peak RSS of a process that ran check_file_report (check)`. The benchmark is owned by the validator; this script only reads what it
prints, so the table always shows the figures of the code being measured. A line it cannot find
is reported as missing, never guessed. Writes OUT/check.json.
"""

import re
import subprocess
import sys

import benchlib

SHAPE = re.compile(r"^\[(?P<shape>[^\]]+)\]")
RATIO_BYTES = re.compile(r"ratio check_bytes_report / bare pass:\s*(?P<value>[0-9.]+)")
RATIO_FILE = re.compile(r"ratio check_file_report / \(read \+ bare\):\s*(?P<value>[0-9.]+)")
PEAK = re.compile(r"peak RSS of a process that ran check_file_report \(check\):\s*(?P<value>[0-9]+)\s*kB")


def parse(text):
    """Per shape: {"ratio_check_bytes", "ratio_check_file", "peak_rss_kb"} as far as printed."""
    shapes = {}
    current = None
    for line in text.splitlines():
        line = line.strip()
        if match := SHAPE.match(line):
            current = shapes.setdefault(match["shape"], {})
        elif current is None:
            continue
        elif match := RATIO_BYTES.search(line):
            current["ratio_check_bytes"] = float(match["value"])
        elif match := RATIO_FILE.search(line):
            current["ratio_check_file"] = float(match["value"])
        elif match := PEAK.search(line):
            current["peak_rss_kb"] = int(match["value"])
    return shapes


def main():
    benchlib.terminate_on_sigterm()
    benchlib.OUT.mkdir(parents=True, exist_ok=True)
    log_path = benchlib.OUT / "check-bench.log"
    print("check: cargo bench --locked --bench check (release build; the file is generated)", flush=True)
    with open(log_path, "w") as log:
        completed = subprocess.run(
            ["cargo", "bench", "--locked", "--bench", "check"],
            cwd=benchlib.ROOT,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        log.write(completed.stdout)
    shapes = parse(completed.stdout)
    figures = {"exit_code": completed.returncode, "shapes": shapes}
    benchlib.save_result("check", figures)
    for shape, values in shapes.items():
        print(
            f"check [{shape}]: check_bytes / bare csv {values.get('ratio_check_bytes', 'missing')}, "
            f"check_file / (read + bare csv) {values.get('ratio_check_file', 'missing')}, "
            f"peak RSS {values.get('peak_rss_kb', 'missing')} kB"
        )
    if completed.returncode != 0 or not shapes:
        print(f"check: the benchmark failed or printed nothing parsable; see {log_path}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
