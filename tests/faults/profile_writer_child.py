"""A process that writes the profile as fast as it can, for the kill -9 test; prints each write once committed.

Usage: python -m tests.faults.profile_writer_child PROFILE_PATH ACCOUNT_ID FIRST_NUMBER
Each write is one transaction holding a template, a draft and a triage correction numbered alike, so a
half-applied write would show as one without the others.
"""

from __future__ import annotations

import sys
import time

from deskapp.store import profile_records as records
from deskapp.store.profile import ProfileStore


def main(argv: list[str]) -> int:
    path, account_id, number = argv[0], int(argv[1]), int(argv[2])
    store = ProfileStore(path)
    print("READY", flush=True)
    while True:
        with store.write() as conn:
            records.insert_template(conn, name=f"t{number}", body="x" * (number % 7 * 300), origin=f"kill:{number}")
            records.put_draft(conn, account_id, f"c{number}", f"draft {number}", is_note=bool(number % 2))
            records.add_correction(conn, records.Correction(account_id, f"c{number}", None, "intent", None,
                                                            "refund", f"text {number}", int(time.time())))
        print(number, flush=True)  # after the commit returned: this one must survive anything
        number += 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
