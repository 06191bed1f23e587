"""The benchmark workloads' input files, generated (deterministic: the same files every run).

    python3 bench/generate.py add-csv OUT.csv [--users 2000]
        A Bulk add users file: Enterprise IDs bench.user00001@example.com ... in the demo org's
        claimed domain, each joining the user group Contractors (which grants no product
        configuration, so no licence noise). Every row passes `umapi-bulk check --op add`.
    python3 bench/generate.py org-state OUT.json [--users 20000]
        The demo org of samples/org.json (same org id, client, domains, product configurations and
        user groups) with N Enterprise IDs member00001@example.com ... instead of its 20 users,
        alternately in Designers and Finance.
    python3 bench/generate.py edit-csv OUT.csv [--users 5000] [--org-users 20000]
        A Bulk edit user details file naming N of the org-state's users spread evenly over the org
        (about every fourth one for 5,000 of 20,000, half of them in each group), each keeping its
        group and joining Contractors: the plan adds 5,000 memberships and removes none.

Also importable: `add_users(n)` yields (email, first name, last name, country) for the add
workloads, so the peer script creates exactly the users that the add file lists.
"""

import argparse
import csv
import json
from pathlib import Path

HEADER = [
    "Identity Type", "Username", "Domain", "Email", "First Name", "Last Name", "Country Code",
    "Product Configurations", "Admin Roles", "Product Configurations Administered", "User Groups",
    "User Groups Administered", "Products Administered",
]  # fmt: skip
COUNTRIES = ["US", "GB", "DE", "FR", "JP", "CA", "AU", "IN", "BR", "ES"]
ADD_GROUP = "Contractors"
DEMO_STATE = Path(__file__).resolve().parent.parent / "samples" / "org.json"


def add_users(count):
    """The users of the add workloads: (email, first name, last name, country)."""
    for number in range(1, count + 1):
        yield f"bench.user{number:05}@example.com", "Bench", f"User {number:05}", COUNTRIES[number % len(COUNTRIES)]


def org_user_email(number):
    return f"member{number:05}@example.com"


def org_user_group(number):
    return "Designers" if number % 2 else "Finance"


def write_add_csv(path, count):
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\r\n")
        writer.writerow(HEADER)
        for email, first, last, country in add_users(count):
            writer.writerow(["Enterprise ID", email, "example.com", email, first, last, country, "", "", "", ADD_GROUP, "", ""])


def write_org_state(path, count):
    demo = json.loads(DEMO_STATE.read_text())
    clients = [{"client_id": client["client_id"], "client_secret": client["client_secret"]} for client in demo["clients"]]
    users = [
        {
            "type": "enterpriseID",
            "email": org_user_email(number),
            "firstname": "Member",
            "lastname": f"{number:05}",
            "country": COUNTRIES[number % len(COUNTRIES)],
            "groups": [org_user_group(number)],
        }
        for number in range(1, count + 1)
    ]
    state = {**demo, "clients": clients, "users": users}
    Path(path).write_text(json.dumps(state) + "\n")


def write_edit_csv(path, count, org_users):
    step = max(org_users // count, 1)
    numbers = [1 + index * step + index % 2 for index in range(count)]  # alternately Designers and Finance
    if numbers[-1] > org_users:
        raise SystemExit(f"cannot pick {count} users from an org of {org_users}")
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\r\n")
        writer.writerow(["Identity Type", "Username", "Domain", "Email", "User Groups"])
        for number in numbers:
            email = org_user_email(number)
            writer.writerow(["Enterprise ID", email, "example.com", email, f"{org_user_group(number)}, {ADD_GROUP}"])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["add-csv", "org-state", "edit-csv"])
    parser.add_argument("output")
    parser.add_argument("--users", type=int)
    parser.add_argument("--org-users", type=int, default=20000)
    arguments = parser.parse_args()
    if arguments.kind == "add-csv":
        write_add_csv(arguments.output, arguments.users or 2000)
    elif arguments.kind == "org-state":
        write_org_state(arguments.output, arguments.users or 20000)
    else:
        write_edit_csv(arguments.output, arguments.users or 5000, arguments.org_users)


if __name__ == "__main__":
    main()
