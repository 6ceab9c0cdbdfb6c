"""Alembic environment for the local cache: runs on the connection deskapp.store.migrate hands over."""

from alembic import context

from deskapp.store.schema import all_metadata

target_metadata = all_metadata()


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through deskapp.store.migrate, which opens the database")
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
