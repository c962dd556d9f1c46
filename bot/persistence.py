"""PTB persistence in the BotState table, so a restart mid-conversation loses nothing.

Only conversation states and user_data (the /new draft) are kept. A draft exists
only after consent and is gone after confirm, cancel or /delete; an empty
user_data is never written, so a chat that only said hello leaves no row. Rows
not touched for DRAFT_TTL are purged: an abandoned draft does not stay forever.
"""

import asyncio
import json
from datetime import timedelta

from flask import Flask
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from telegram.ext import BasePersistence, PersistenceInput

from webapp.extensions import db
from webapp.models import BotState, utcnow

DRAFT_TTL = timedelta(days=2)
USER_PREFIX = "user:"
CONVERSATION_PREFIX = "conv:"


def _conversation_key(name: str, key: tuple) -> str:
    return f"{CONVERSATION_PREFIX}{name}:{json.dumps(list(key), separators=(',', ':'))}"


class DatabasePersistence(BasePersistence):
    """Conversation states and user_data as JSON rows of BotState, written through."""

    def __init__(self, app: Flask, update_interval: float = 5):
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            update_interval=update_interval,
        )
        self.app = app
        self._stored_users: set[int] = set()

    # --- database access, in a worker thread ---------------------------------------

    def _run(self, fn, *args):
        def work():
            with self.app.app_context():
                try:
                    result = fn(*args)
                    db.session.commit()
                    return result
                except BaseException:
                    db.session.rollback()
                    raise

        return asyncio.to_thread(work)

    @staticmethod
    def _rows(prefix: str) -> list[BotState]:
        return list(db.session.scalars(select(BotState).where(BotState.key.startswith(prefix))))

    @staticmethod
    def _put(key: str, data: dict) -> None:
        row = db.session.get(BotState, key)
        if row is None:
            try:
                with db.session.begin_nested():
                    db.session.add(BotState(key=key, data=data))
                return
            except IntegrityError:  # written meanwhile by another process
                row = db.session.get(BotState, key, populate_existing=True)
        row.data = data
        row.updated_at = utcnow()

    @staticmethod
    def _drop(key: str) -> None:
        db.session.execute(delete(BotState).where(BotState.key == key))

    # --- user_data ---------------------------------------------------------------

    async def get_user_data(self) -> dict[int, dict]:
        def load():
            return {
                int(row.key[len(USER_PREFIX) :]): dict(row.data) for row in self._rows(USER_PREFIX)
            }

        users = await self._run(load)
        self._stored_users = set(users)
        return users

    async def update_user_data(self, user_id: int, data: dict) -> None:
        if not data:
            if user_id in self._stored_users:
                await self.drop_user_data(user_id)
            return
        await self._run(self._put, f"{USER_PREFIX}{user_id}", data)
        self._stored_users.add(user_id)

    async def drop_user_data(self, user_id: int) -> None:
        await self._run(self._drop, f"{USER_PREFIX}{user_id}")
        self._stored_users.discard(user_id)

    async def refresh_user_data(self, user_id: int, user_data: dict) -> None:
        """Nothing to do: one process handles a chat's updates in order."""

    # --- conversations --------------------------------------------------------------

    async def get_conversations(self, name: str) -> dict:
        def load():
            prefix = f"{CONVERSATION_PREFIX}{name}:"
            return {
                tuple(json.loads(row.key[len(prefix) :])): row.data["state"]
                for row in self._rows(prefix)
            }

        return await self._run(load)

    async def update_conversation(self, name: str, key: tuple, new_state: object | None) -> None:
        row_key = _conversation_key(name, key)
        if new_state is None:
            await self._run(self._drop, row_key)
        else:
            await self._run(self._put, row_key, {"state": new_state})

    # --- not stored ---------------------------------------------------------------------

    async def get_chat_data(self) -> dict:
        return {}

    async def get_bot_data(self) -> dict:
        return {}

    async def get_callback_data(self) -> None:
        return None

    async def update_chat_data(self, chat_id: int, data: dict) -> None:
        pass

    async def update_bot_data(self, data: dict) -> None:
        pass

    async def update_callback_data(self, data: object) -> None:
        pass

    async def drop_chat_data(self, chat_id: int) -> None:
        pass

    async def refresh_chat_data(self, chat_id: int, chat_data: dict) -> None:
        pass

    async def refresh_bot_data(self, bot_data: dict) -> None:
        pass

    async def flush(self) -> None:
        """Nothing to do: every change is written when PTB hands it over."""


def purge_stale(max_age: timedelta = DRAFT_TTL) -> int:
    """Delete conversation states and drafts untouched for max_age (in an app context)."""
    return db.session.execute(
        delete(BotState).where(BotState.updated_at < utcnow() - max_age)
    ).rowcount
