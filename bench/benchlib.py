"""What the bench scripts share: paths, the simulator as a context manager, its counters, results.

Every simulator is started on an ephemeral loopback port (`--listen 127.0.0.1:0`) and stopped when
its `with` block ends, whether the block finished, raised, or the script got Ctrl-C or SIGTERM; on
Linux the simulator also gets SIGTERM if the Python process itself dies (PR_SET_PDEATHSIG), so no
simulator outlives a run. Nothing here talks to anything but 127.0.0.1.

Standard library only: the peer script adds `umapi-client`, nothing else does.
"""

import contextlib
import ctypes
import datetime
import json
import os
import select
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = Path(os.environ.get("BENCH_OUT", BENCH / "out"))
BINARY = Path(os.environ.get("UMAPI_BULK", ROOT / "target" / "release" / "umapi-bulk"))
DEMO_STATE = ROOT / "samples" / "org.json"

ORG_ID = "DEMO0000000000000000000@AdobeOrg"
CLIENT_ID = "demo-client"
CLIENT_SECRET = "demo-secret"  # demo-only credentials the simulator's demo org knows (samples/README.md)

# The simulator flags of the two add workloads (ours and the peer), identical for both: Adobe's
# per-client action limit raised from 10 to 100 a minute so the run takes one minute instead of
# ten, 50 ms added to every request; user reads and group reads at Adobe's documented defaults
# (25 and 5 a minute); the global limit off, because at 100 action requests a minute Adobe's
# 100-a-minute global limit would be tighter than the action limit, which it never is at the real
# figures (10 <= 100). The window stays Adobe's 60 seconds.
ADD_SIM_FLAGS = ["--action-rpm", "100", "--latency-ms", "50", "--global-rpm", "0"]
ADD_USERS = 2000
ADD_THEORETICAL_MIN_SECS = 60.0  # 200 requests at 100 a minute: the second hundred waits one window


def _parent_death_signal():
    """Runs in the child before exec: ask Linux to SIGTERM it when this Python process dies."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG = 1


def terminate_on_sigterm():
    """Turns SIGTERM into SystemExit so that `finally` blocks (and so simulator cleanup) run."""
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))


class Simulator:
    """A running `umapi-bulk sim`: its base URL and its process."""

    def __init__(self, base_url, process, log_path):
        self.base_url = base_url
        self.process = process
        self.log_path = log_path

    @property
    def umapi_url(self):
        return self.base_url + "/v2/usermanagement"

    def state(self):
        """The simulator's whole org state (`GET /_sim/state`, never throttled, never counted)."""
        with urllib.request.urlopen(self.base_url + "/_sim/state", timeout=60) as response:
            return json.load(response)

    def counters(self):
        return self.state()["counters"]


@contextlib.contextmanager
def simulator(name, flags, state=DEMO_STATE, startup_deadline_secs=30.0):
    """Starts `umapi-bulk sim` with `flags` and yields a Simulator; stops it on the way out.

    The log goes to OUT/sim-<name>.log. The address is read from the first stdout line
    (`listening on http://ADDR`), polled with a deadline.
    """
    OUT.mkdir(parents=True, exist_ok=True)
    log_path = OUT / f"sim-{name}.log"
    command = [str(BINARY), "sim", "--listen", "127.0.0.1:0", "--state", str(state), *flags]
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=log, text=True, preexec_fn=_parent_death_signal, cwd=OUT
        )
    try:
        ready, _, _ = select.select([process.stdout], [], [], startup_deadline_secs)
        first_line = process.stdout.readline() if ready else ""
        if not first_line.startswith("listening on "):
            raise RuntimeError(
                f"simulator {name} did not start: first line {first_line!r}; see {log_path} ({' '.join(command)})"
            )
        yield Simulator(first_line.removeprefix("listening on ").strip(), process, log_path)
    finally:
        stop(process)


def stop(process):
    """Stops a process this script started: SIGTERM, then SIGKILL after 10 s."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def write_config(directory, simulator_handle, action_rpm=10, read_rpm=25, groups_rpm=5):
    """Writes a `umapi-bulk.toml` for the demo org pointing at the simulator."""
    text = (
        f'org_id = "{ORG_ID}"\n'
        f'client_id = "{CLIENT_ID}"\n'
        f'client_secret = "{CLIENT_SECRET}"\n'
        f'ims_url = "{simulator_handle.base_url}"\n'
        f'umapi_url = "{simulator_handle.umapi_url}"\n'
        'claimed_domains = ["example.com", "fed.example.org"]\n'
        "[limits]\n"
        f"action_rpm = {action_rpm}\n"
        f"read_rpm = {read_rpm}\n"
        f"groups_rpm = {groups_rpm}\n"
    )
    path = Path(directory) / "umapi-bulk.toml"
    path.write_text(text)
    return path


def run_timed(command, cwd, log_name):
    """Runs a command to completion; returns (exit code, wall seconds). Output goes to OUT/<log_name>."""
    with open(OUT / log_name, "w") as log:
        started = time.monotonic()
        completed = subprocess.run(command, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
        return completed.returncode, time.monotonic() - started


def save_result(name, figures):
    """Writes OUT/<name>.json, which table.py reads, stamped with the time and the load average."""
    OUT.mkdir(parents=True, exist_ok=True)
    stamped = {
        **figures,
        "measured_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    (OUT / f"{name}.json").write_text(json.dumps(stamped, indent=2) + "\n")


def load_result(name):
    path = OUT / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def require_binary():
    if not BINARY.exists():
        sys.exit(f"error: {BINARY} does not exist\nhint: run bench/run.sh, which builds it (cargo build --release)")
