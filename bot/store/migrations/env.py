"""Alembic environment: migrates the appointment store (never Rasa's tracker database)."""

from alembic import context

from bot.store.db import make_engine
from bot.store.schema import Base

config = context.config
url = config.attributes.get("database_url")
if not url:
    from bot.settings import get_settings

    url = get_settings().database_url

engine = make_engine(url)
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
