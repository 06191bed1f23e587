"""A loopback SMTP server for the email notification tests (tests/all/notify_email.rs), on aiosmtpd.

It listens on 127.0.0.1 on a port the OS picks, prints "READY <port>" on stdout, and writes every
message it accepts to OUT/message-N.json ({"mail_from", "rcpt_tos", "login", "data"}) before it
answers 250, so the message is on disk when the client's send returns. It exits when its stdin
closes (the test ended or died).

Options:
  --out DIR                   where messages go (required)
  --user U --password P       require AUTH (PLAIN or LOGIN) with these credentials; a wrong
                              password is refused with a reply that ECHOES the password it was
                              given, like a careless server, so the test can check we never repeat it
  --starttls CERT KEY         offer STARTTLS and require it before MAIL
  --smtps CERT KEY            TLS from the first byte (implicit TLS)
"""

import argparse
import asyncio
import email
import email.policy
import json
import os
import ssl
import sys
import threading

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Recorder:
    def __init__(self, out):
        self.out = out
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        login = session.login_data.decode() if isinstance(session.login_data, bytes) else session.login_data
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "login": login,
            "subject": str(message["subject"]),
            "content_type": message.get_content_type(),
            "body": message.get_content(),
            "data": envelope.original_content.decode("utf-8", errors="replace"),
        }
        path = os.path.join(self.out, f"message-{self.count}.json")
        with open(path + ".tmp", "w", encoding="utf-8") as file:
            json.dump(record, file)
        os.replace(path + ".tmp", path)
        return "250 Message accepted for delivery"


def authenticator_for(user, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        if auth_data.login.decode() == user and auth_data.password.decode() == password:
            return AuthResult(success=True, auth_data=auth_data)
        given = auth_data.password.decode(errors="replace")
        return AuthResult(success=False, handled=False, message=f"535 5.7.8 Bad password {given} for {user}")

    return authenticate


def tls_context(cert, key):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def exit_when_stdin_closes():
    sys.stdin.read()
    os._exit(0)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--starttls", nargs=2)
    parser.add_argument("--smtps", nargs=2)
    arguments = parser.parse_args()

    recorder = Recorder(arguments.out)
    options = {"hostname": "localhost", "auth_require_tls": False}
    if arguments.user:
        options["authenticator"] = authenticator_for(arguments.user, arguments.password)
        options["auth_required"] = True
    if arguments.starttls:
        options["tls_context"] = tls_context(*arguments.starttls)
        options["require_starttls"] = True
    server_ssl = tls_context(*arguments.smtps) if arguments.smtps else None

    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(recorder, **options), "127.0.0.1", 0, ssl=server_ssl)
    port = server.sockets[0].getsockname()[1]
    print(f"READY {port}", flush=True)
    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
