"""Write a new Alembic revision from the difference between the models and the migrated schema.

Usage: .venv/bin/python scripts/new_migration.py "add faces"
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storage.db import _alembic_config


def main(message: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{tmp}/schema.sqlite3")
        with engine.begin() as connection:
            config = _alembic_config(connection)
            command.upgrade(config, "head")
            command.revision(config, message=message, autogenerate=True)


if __name__ == "__main__":
    main(" ".join(sys.argv[1:]) or "schema change")
