"""The benchmark's users: members of one room, already signed in, in the database named on the command line.

    python -m benchmarks.prepare --database-url sqlite:////tmp/bench.sqlite3 --users 1000 --room bench

Run with the server's environment (`servers.production_env`), so the sessions match its settings. Sessions
are made directly: hashing 1,000 passwords would dominate a run. It writes to the database given by
`--database-url` and to no other: `DATABASE_URL` from the environment is replaced, and it stops before
writing if Django would connect anywhere else. This lives outside the apps on purpose: a deployed site has no
command that makes signed-in users. Prints `{"room": slug, "cookies": ["sessionid=…", …]}` as one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

import dj_database_url
import django


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True, help="the only database written to")
    parser.add_argument("--room", default="bench")
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--prefix", default="bench")
    options = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = options.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_config.settings")
    django.setup()
    ensure_database(options.database_url)
    print(json.dumps(prepare(options.room, options.users, options.prefix)))


def ensure_database(database_url: str) -> None:
    """Refuses to go on unless Django's default database is the one named (a settings module that ignores
    `DATABASE_URL`, like the test settings, would otherwise send the users somewhere else)."""
    from django.db import connection

    wanted = dj_database_url.parse(database_url)
    actual = connection.settings_dict
    keys = ("ENGINE", "NAME", "HOST", "PORT")
    if any(str(actual.get(key) or "") != str(wanted.get(key) or "") for key in keys):
        raise SystemExit(
            f"refusing to write: Django's database is {actual.get('NAME')!r}, not {database_url!r}"
        )


def prepare(room_slug: str, count: int, prefix: str) -> dict[str, Any]:
    from django.db import transaction

    with transaction.atomic():  # one commit, not one per session (16,000 users for an 8-process run)
        return _prepare(room_slug, count, prefix)


def _prepare(room_slug: str, count: int, prefix: str) -> dict[str, Any]:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore

    from rooms.models import Membership, Room

    room, _ = Room.objects.get_or_create(slug=room_slug, defaults={"name": room_slug})
    password = make_password(None)
    user_model = get_user_model()
    users = user_model.objects.bulk_create(
        [user_model(username=f"{prefix}{n}", password=password) for n in range(count)]
    )
    Membership.objects.bulk_create([Membership(room=room, user=user) for user in users])
    cookies = []
    for user in users:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        cookies.append(f"sessionid={session.session_key}")
    return {"room": room.slug, "cookies": cookies}


if __name__ == "__main__":
    main()
