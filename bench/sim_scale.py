"""The simulator at scale (issue 13): what a page of users costs, and what the org costs in memory.

    python3 bench/sim_scale.py [--binary PATH] [--users 20000,300000] [--source file|synthetic]

For each org size, starts `umapi-bulk sim` with every limit off on an org of that many users and
measures, over loopback HTTP:
  - the start: seconds until `listening on`, resident memory (VmRSS) once it listens;
  - listing every user (`GET /users/{org}/{page}`, 2,000 a page, raw bytes, not parsed), best of
    three: seconds and microseconds per listed user, so that 20k and 300k can be compared (a page
    should cost the page, not the org);
  - listing the users of one user group the same way;
  - the peak resident memory (VmHWM) so far;
  - `GET /_sim/counters` and `GET /_sim/state`: seconds and bytes;
  - the peak resident memory of the simulator process (VmHWM) at the end.

`--source file` (the default) generates the demo org with N Enterprise IDs (bench/generate.py
org-state: Designers and Finance alternate), which any version of the simulator loads, so an old
binary (`--binary`) can be measured against the same files. `--source synthetic` uses
`--synthetic-users N` (a realistic catalogue: 30 product configurations, 12 user groups; new
binaries only). Prints one JSON object per size and writes OUT/sim-scale-<source>.json. A
measurement, not a test: figures are from one run on a shared machine; read the ratios.
Standard library only; talks to 127.0.0.1 only.
"""

import argparse
import http.client
import json
import os
import select
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import benchlib
import generate

LIMITS_OFF = ["--action-rpm", "0", "--read-rpm", "0", "--groups-rpm", "0", "--global-rpm", "0"]


def memory_kib(pid, field):
    """VmRSS or VmHWM of a process, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


class Connection:
    """One keep-alive HTTP connection to the simulator."""

    def __init__(self, base_url):
        parsed = urllib.parse.urlparse(base_url)
        self.connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=600)
        self.token = None

    def request(self, method, path, body=None, headers=None):
        self.connection.request(method, path, body=body, headers=headers or {})
        response = self.connection.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"{method} {path}: {response.status} {data[:200]!r}")
        return response, data

    def login(self):
        form = urllib.parse.urlencode({
            "grant_type": "client_credentials", "client_id": benchlib.CLIENT_ID,
            "client_secret": benchlib.CLIENT_SECRET, "scope": "openid,AdobeID,user_management_sdk",
        })
        _, data = self.request("POST", "/ims/token/v3", form, {"Content-Type": "application/x-www-form-urlencoded"})
        self.token = json.loads(data)["access_token"]

    def umapi(self, path):
        headers = {"Authorization": f"Bearer {self.token}", "X-Api-Key": benchlib.CLIENT_ID}
        return self.request("GET", "/v2/usermanagement" + path, headers=headers)


def list_all(connection, path):
    """Reads every page of a users listing: (seconds, users, bytes)."""
    started = time.perf_counter()
    users = size = 0
    page = 0
    while True:
        response, data = connection.umapi(path.format(page=page))
        users += int(response.getheader("X-Page-Size", "0"))
        size += len(data)
        page += 1
        if page >= int(response.getheader("X-Page-Count", "1")):
            break
    return time.perf_counter() - started, users, size


def timed_get(connection, path):
    """(seconds, bytes) of one GET, or (None, None) where an older simulator lacks the path."""
    started = time.perf_counter()
    try:
        _, data = connection.request("GET", path)
    except RuntimeError as error:
        if ": 404 " in str(error):
            return None, None
        raise
    return time.perf_counter() - started, len(data)


def measure(binary, users, source, work):
    org = benchlib.ORG_ID
    if source == "file":
        state = work / f"org-{users}.json"
        if not state.exists():
            generate.write_org_state(state, users)
        org_flags, group = ["--state", str(state)], "Designers"
    else:
        org_flags, group = ["--synthetic-users", str(users), "--seed", "1"], "All%20Staff"
    command = [str(binary), "sim", "--listen", "127.0.0.1:0", *org_flags, *LIMITS_OFF]
    started = time.perf_counter()
    with open(work / f"sim-{source}-{users}.log", "w") as log:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True, cwd=work)
    try:
        ready, _, _ = select.select([process.stdout], [], [], 600)
        line = process.stdout.readline() if ready else ""
        if not line.startswith("listening on "):
            raise RuntimeError(f"the simulator did not start: {line!r} ({' '.join(command)})")
        start_secs = time.perf_counter() - started
        rss_started = memory_kib(process.pid, "VmRSS")
        connection = Connection(line.removeprefix("listening on ").strip())
        connection.login()
        listings = [list_all(connection, f"/users/{org}/{{page}}") for _ in range(3)]
        list_secs, listed, list_bytes = min(listings)
        group_secs, group_users, _ = min(list_all(connection, f"/users/{org}/{{page}}/{group}") for _ in range(3))
        peak_before_state = memory_kib(process.pid, "VmHWM")
        counters_secs, counters_bytes = timed_get(connection, "/_sim/counters")
        state_secs, state_bytes = timed_get(connection, "/_sim/state")
        return {
            "binary": str(binary), "source": source, "users": users,
            "start_secs": round(start_secs, 2), "rss_after_start_mib": round(rss_started / 1024, 1),
            "list_secs": round(list_secs, 3), "listed": listed, "list_mb": round(list_bytes / 1e6, 1),
            "list_us_per_user": round(list_secs / max(listed, 1) * 1e6, 2),
            "group_users": group_users, "group_us_per_user": round(group_secs / max(group_users, 1) * 1e6, 2),
            "counters_secs": counters_secs and round(counters_secs, 4), "counters_bytes": counters_bytes,
            "peak_rss_before_state_mib": round(peak_before_state / 1024, 1),
            "state_secs": round(state_secs, 2), "state_mb": round(state_bytes / 1e6, 1),
            "peak_rss_mib": round(memory_kib(process.pid, "VmHWM") / 1024, 1),
        }
    finally:
        benchlib.stop(process)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", type=Path, default=benchlib.BINARY)
    parser.add_argument("--users", default="20000,300000")
    parser.add_argument("--source", choices=["file", "synthetic"], default="file")
    arguments = parser.parse_args()
    benchlib.terminate_on_sigterm()
    if not arguments.binary.exists():
        sys.exit(f"error: {arguments.binary} does not exist\nhint: cargo build --release")
    work = benchlib.OUT / "sim-scale"
    work.mkdir(parents=True, exist_ok=True)
    results = []
    for users in [int(count) for count in arguments.users.split(",")]:
        result = measure(arguments.binary.resolve(), users, arguments.source, work)
        print(json.dumps(result), flush=True)
        results.append(result)
    benchlib.save_result(f"sim-scale-{arguments.source}", {"runs": results, "nproc": os.cpu_count()})


if __name__ == "__main__":
    main()
