"""The guardian Telegram bot: one more channel onto webapp.services, not a second system."""
