"""The agent's profile for bootstrap, the UI and the CLI: opening it beside the cache (with its secret store), the
agent's settings, and what to tell the agent when the cache had to start afresh.

Settings are written to the profile first, then copied into the cache's ``setting`` table for the SQL
that reads them there (KPI targets, the replayer's "work offline").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from deskapp.credentials import SecretStore
from deskapp.paths import AppPaths
from deskapp.services.profile_secrets import secret_store
from deskapp.store import cache_integrity, migrate, profile_mirror, schema_version
from deskapp.store import profile_records as records
from deskapp.store.cache_integrity import CacheDamage
from deskapp.store.engine import Database
from deskapp.store.profile import ProfileStore
from deskapp.store.profile_carry_over import EVERYTHING, CarryOver, carried_over, carry_over
from deskapp.store.work_offline import WORK_OFFLINE_KEY

log = logging.getLogger(__name__)

KEPT = ("your accounts, templates, saved views, drafts, triage corrections and settings are kept in the "
        "profile, and queued actions in the outbox")


@dataclass
class OpenedStores:
    """The profile, the migrated cache, the profile's secrets, and what start-up had to do about the cache."""

    profile: ProfileStore
    db: Database
    secrets: SecretStore
    notice: str | None = None  # for the agent: the cache was damaged or missing, and what became of it


def open_stores(paths: AppPaths) -> OpenedStores:
    """Open the profile (carrying an older data folder's work over once), check and migrate the cache, and
    put the profile's accounts and settings into it. Raises StorageError / DatabaseTooNew with a message."""
    profile = ProfileStore(paths.profile_db)
    try:
        carry = None if carried_over(profile) else carry_over(profile, paths.cache_db)
        secrets = secret_store(profile)
        damage = cache_integrity.ensure_cache_usable(paths.cache_db)
        db = _cache_with_profile(paths, profile, migrated=True)
    except BaseException:
        profile.close()
        raise
    with profile.read() as conn:
        has_accounts = bool(records.list_accounts(conn))
    rebuilt = damage is not None and (damage.moved_to is not None or (has_accounts and carry is None))
    notice = start_notice(damage if rebuilt else None, carry)
    if notice:
        log.warning("%s", notice)
    if rebuilt and retrain_needed(profile):
        from deskapp.services.triage import retrain  # training is a few seconds: only after a rebuild

        try:
            report = retrain(db, profile)
            log.info("triage model retrained from %s kept corrections", report.corrections)
        except Exception:  # the shipped model still labels; `deskapp triage retrain` can try again
            log.exception("retraining the triage model after the cache rebuild failed")
    return OpenedStores(profile, db, secrets, notice)


def open_stores_for_reading(paths: AppPaths) -> OpenedStores | None:
    """The profile, its secrets and the cache as it is, for verbs that only read: no Alembic, no integrity
    scan of the whole file. None when the cache needs ``open_stores`` (missing, behind, or an older data
    folder's work still to carry over); raises DatabaseTooNew for a newer cache, leaving it untouched."""
    if schema_version.cache_state(paths.cache_db) != schema_version.CURRENT:
        return None
    profile = ProfileStore(paths.profile_db)
    try:
        if not carried_over(profile):
            profile.close()
            return None
        secrets = secret_store(profile)
        # the mirror writes only when the profile changed behind the cache's back
        db = _cache_with_profile(paths, profile, migrated=False)
    except BaseException:
        profile.close()
        raise
    return OpenedStores(profile, db, secrets)


def _cache_with_profile(paths: AppPaths, profile: ProfileStore, *, migrated: bool) -> Database:
    """The cache with the profile's accounts and settings mirrored in (migrated first when asked); closed
    again if either step fails, so the caller only has the profile to close."""
    db = Database(paths.cache_db)
    try:
        if migrated:
            migrate.upgrade(db)
        mirror_into_cache(db, profile)
    except BaseException:
        db.close()
        raise
    return db


def start_notice(damage: CacheDamage | None, carry: CarryOver | None) -> str | None:
    """One paragraph on what happened to the cache and the agent's work, or None when there is nothing to say."""
    parts = []
    if damage is not None:
        if damage.moved_to is not None:
            parts.append(f"The cache was damaged ({damage.verdict}) and was moved aside to {damage.moved_to.name}; "
                         "a fresh one is being rebuilt from the servers.")
        else:
            parts.append("The cache was missing; a fresh one is being rebuilt from the servers.")
    if carry is not None and EVERYTHING in carry.unreadable:
        parts.append("The cache of the previous deskapp could not be read, so nothing of it was carried over "
                     "into the profile: add your accounts again.")
    elif carry is not None and carry.unreadable:
        parts.append(f"Part of the old cache could not be read, so these were not carried over into the profile: "
                     f"{', '.join(carry.unreadable)}.")
    elif damage is not None:
        parts.append(f"Nothing you wrote was lost: {KEPT}.")
    return " ".join(parts) or None


def mirror_into_cache(db: Database, profile: ProfileStore) -> None:
    """Make the cache's account rows and settings match the profile's (at start, and after a rebuild)."""
    with profile.read() as conn:
        accounts = records.list_accounts(conn)
        created = records.account_created_at(conn)
        values = records.settings(conn)
    with db.read() as conn:
        if not profile_mirror.copy_differs(conn, accounts, values):
            return
    with db.write() as conn:
        stale = profile_mirror.mirror_accounts(conn, accounts, created)
        profile_mirror.mirror_settings(conn, values)
    if stale:
        log.info("removed accounts %s from the cache: the profile no longer has them", stale)


def retrain_needed(profile: ProfileStore) -> bool:
    """The agent had retrained the triage model: a rebuilt cache needs it retrained from the kept corrections."""
    with profile.read() as conn:
        return records.meta(conn, records.TRIAGE_RETRAINED) is not None


# --- settings ----------------------------------------------------------------------------------------


def setting(profile: ProfileStore, key: str) -> str | None:
    with profile.read() as conn:
        return records.setting(conn, key)


def settings(profile: ProfileStore, prefix: str = "") -> dict[str, str]:
    with profile.read() as conn:
        return records.settings(conn, prefix)


def put_settings(db: Database, profile: ProfileStore, values: dict[str, str | None]) -> None:
    """Store settings (None removes one): durably in the profile, then in the cache's copy."""
    with profile.write() as conn:
        for key, value in values.items():
            records.put_setting(conn, key, value)
    with db.write() as conn:
        for key, value in values.items():
            profile_mirror.put_setting(conn, key, value)


def set_work_offline(db: Database, profile: ProfileStore, on: bool) -> None:
    """While on, the replayer and the pulls stay quiet; actions keep queueing in the outbox."""
    put_settings(db, profile, {WORK_OFFLINE_KEY: "1" if on else "0"})
