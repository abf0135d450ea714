"""The Telegram channel: start-up and updates (`channel`), one update's handling (`conversation`), texts and formatting."""
