"""Alembic environment: the engine comes from the caller (dashboard.db.migrate) or DATABASE_URL."""

from alembic import context

from dashboard.schema import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        from dashboard.db import make_engine
        from dashboard.settings import load_settings

        engine = make_engine(load_settings().database_url)
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        context.run_migrations()


run_migrations_online()
