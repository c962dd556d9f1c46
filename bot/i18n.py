"""The bot's message catalogue: English ids in code, simplified Chinese in bot.po.

A separate Flask-Babel domain ("bot"), so the bot and the web pages keep their
own catalogue files; both are compiled by `make` from the same folder.
"""

from flask_babel import Domain

domain = Domain(domain="bot")
_ = domain.gettext
_l = domain.lazy_gettext
