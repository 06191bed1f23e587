"""The peer: a bulk add written the way an admin script uses Adobe's `umapi-client` (v3).

    python bench/peer_client.py BASE_URL FILE.csv

Reads a Bulk add users file (Enterprise IDs with their User Groups), builds one `UserAction`
per row (`create(..., id_type=enterpriseID)` with the library's default `ignoreIfAlreadyExists`,
then `add_to_groups`), and hands them all to `Connection.execute_multiple`, which sends them 10
commands per request, one request at a time, and on a 429 sleeps for the Retry-After and tries
again, up to its default 4 attempts. No pacing, no tuning: the library's defaults throughout.

Only the authentication is adapted: umapi-client's `OAuthS2S` always builds
`https://{auth_host}/...`, and the simulator is plain HTTP on loopback, so `LoopbackOAuth` posts
the same client-credentials form to the simulator's `/ims/token/v3` itself and sets the headers
`OAuthS2S` would set (Authorization, X-Api-Key, Content-Type, Accept).

Prints one JSON object on stdout: actions sent and completed, failed batches and why, the users
the library reported as failed. (The orchestrator, peer_add.py, counts the users actually created
from the simulator.)
"""

import csv
import json
import logging
import sys
import urllib.parse

import requests
import umapi_client

ORG_ID = "DEMO0000000000000000000@AdobeOrg"
CLIENT_ID = "demo-client"
CLIENT_SECRET = "demo-secret"  # demo-only credentials of the simulator's demo org


class LoopbackOAuth(requests.auth.AuthBase):
    """OAuth Server-to-Server against the simulator's plain-HTTP IMS; one token for the run."""

    def __init__(self, base_url):
        body = urllib.parse.urlencode(
            {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "grant_type": "client_credentials",
                "scope": "openid,AdobeID,user_management_sdk",
            }
        )
        response = requests.post(
            base_url + "/ims/token/v3",
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=30,
        )
        response.raise_for_status()
        self.token = response.json()["access_token"]

    def __call__(self, request):
        request.headers["Content-type"] = "application/json"
        request.headers["Accept"] = "application/json"
        request.headers["x-api-key"] = CLIENT_ID
        request.headers["Authorization"] = "Bearer " + self.token
        return request


def user_actions(path):
    """One UserAction per row of a Bulk add users file of Enterprise IDs."""
    with open(path, newline="", encoding="utf-8-sig") as file:
        for row in csv.DictReader(file):
            groups = [name.strip() for name in row["User Groups"].split(",") if name.strip()]
            action = umapi_client.UserAction(user=row["Email"])
            action.create(
                email=row["Email"],
                firstname=row["First Name"],
                lastname=row["Last Name"],
                country=row["Country Code"],
                id_type=umapi_client.IdentityType.enterpriseID,
            )
            if groups:
                action.add_to_groups(groups)
            yield action


def main():
    base_url, path = sys.argv[1], sys.argv[2]
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")
    connection = umapi_client.Connection(
        org_id=ORG_ID, auth=LoopbackOAuth(base_url), endpoint=base_url + "/v2/usermanagement"
    )
    actions = list(user_actions(path))
    failures = []
    try:
        queued, sent, completed = connection.execute_multiple(actions)
    except umapi_client.BatchError as error:
        queued, sent, completed = error.statistics
        failures = [f"{type(cause).__name__}: {cause}" for cause in error.causes]
    reported_failed = [action.frame["user"] for action in actions if action.execution_errors()]
    print(
        json.dumps(
            {
                "actions": len(actions),
                "queued": queued,
                "sent": sent,
                "completed": completed,
                "failed_batches": len(failures),
                "failures": failures[:10],
                "users_with_command_errors": len(reported_failed),
                "local_status": connection.status()[0],
            }
        )
    )


if __name__ == "__main__":
    main()
