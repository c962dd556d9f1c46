"""Words typed outside /new, held for one tap ("send this"), then dropped.

Nothing is stored before a guardian agrees: for a chat that has not agreed, the
words are held in this process's memory only (chat_data, which bot.persistence
never writes); a restart forgets them and the guardian is asked to write again.
For a chat that agreed they are in user_data, which bot.persistence keeps in the
database, so a restart does not lose a disclosure waiting for its tap. Either way
they are dropped at the tap, at "do not send", at /cancel or /delete, and by
`drop_expired` once TTL_SECONDS have passed.
"""

import secrets
import time

from telegram.ext import Application, CallbackContext

KEY = "pending"
TTL_SECONDS = 10 * 60
EXPIRED = object()  # peek(): the words were held, but too long ago


def _stores(context: CallbackContext) -> list[dict]:
    stores = []
    if context.user_data is not None:
        stores.append(context.user_data)
    if context.chat_data is not None:
        stores.append(context.chat_data)
    return stores


def hold(context: CallbackContext, text: str, consented: bool) -> str:
    """Hold the words (replacing any held before); returns the token the buttons carry."""
    drop(context)
    token = secrets.token_hex(4)
    store = context.user_data if consented else context.chat_data
    store[KEY] = {"text": text, "token": token, "at": time.time()}
    return token


def _expired(item: dict, now: float) -> bool:
    return now - float(item.get("at", 0)) > TTL_SECONDS


def peek(context: CallbackContext, token: str):
    """The words a button's token points to; None if gone, EXPIRED if held too long."""
    now = time.time()
    for store in _stores(context):
        item = store.get(KEY)
        if item and item.get("token") == token:
            if _expired(item, now):
                store.pop(KEY, None)
                return EXPIRED
            return item["text"]
    return None


def drop(context: CallbackContext) -> None:
    for store in _stores(context):
        store.pop(KEY, None)


async def drop_expired(application: Application) -> int:
    """Drop every held text older than TTL_SECONDS, in memory and in the database."""
    now = time.time()
    dropped_users = []
    for user_id, data in list(application.user_data.items()):
        item = data.get(KEY)
        if item and _expired(item, now):
            data.pop(KEY, None)
            dropped_users.append(user_id)
    dropped_chats = 0
    for data in list(application.chat_data.values()):
        item = data.get(KEY)
        if item and _expired(item, now):
            data.pop(KEY, None)
            dropped_chats += 1
    if dropped_users:
        application.mark_data_for_update_persistence(user_ids=dropped_users)
        await application.update_persistence()
    return len(dropped_users) + dropped_chats
