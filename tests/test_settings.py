"""Settings are read once from the environment, with the README's names and defaults, and keep secrets out of print."""

from __future__ import annotations

import pytest

from bot.settings import Settings

SECRET_VARIABLES = ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "TELEGRAM_HMAC_KEY", "REDIS_PASSWORD", "SQL_PASSWORD")


def test_every_secret_is_hidden_when_the_settings_are_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    for index, name in enumerate(SECRET_VARIABLES):
        monkeypatch.setenv(name, f"canary-{index}-secret")
    settings = Settings()
    assert "canary-" not in repr(settings) and "canary-" not in str(settings)
    assert settings.telegram_bot_token.get_secret_value() == "canary-0-secret"
    assert settings.sql_password.get_secret_value() == "canary-4-secret"


def test_the_environment_is_read_when_settings_are_made_and_not_later(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RASA_URL", "http://rasa.internal:5005")
    settings = Settings()
    monkeypatch.setenv("RASA_URL", "http://elsewhere:5005")
    monkeypatch.setenv("ACTION_SERVER_URL", "http://elsewhere:5055/webhook")
    assert settings.rest_webhook == "http://rasa.internal:5005/webhooks/rest/webhook"
    assert settings.action_server_url == f"http://{settings.host}:{settings.action_port}/webhook"


def test_the_host_comes_from_bot_host_and_never_from_a_generic_host_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOT_HOST", raising=False)
    monkeypatch.setenv("HOST", "0.0.0.0")
    assert Settings().host == "127.0.0.1"
    monkeypatch.setenv("BOT_HOST", "127.0.0.2")
    assert Settings().host == "127.0.0.2"


def test_empty_numbers_and_switches_mean_their_defaults_as_a_compose_file_gives_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RASA_PORT", "")
    monkeypatch.setenv("TELEGRAM_PROTECT_CONTENT", "")
    settings = Settings()
    assert settings.rasa_port == 5005
    assert settings.telegram_protect_content is True


def test_comma_separated_lists_are_split_and_trimmed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEB_ALLOWED_ORIGINS", " https://a.example, https://b.example ,")
    assert Settings().web_allowed_origins == ("https://a.example", "https://b.example")


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("RASA_PORT", "five", "error: RASA_PORT must be a whole number, not 'five'"),
        ("TELEGRAM_DELETE_USER_MESSAGES", "perhaps", "error: TELEGRAM_DELETE_USER_MESSAGES must be true or false, not 'perhaps'"),
    ],
)
def test_a_value_that_does_not_parse_stops_with_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, words: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as stopped:
        Settings()
    assert str(stopped.value.code) == words


def test_a_misspelt_setting_passed_in_code_is_refused_rather_than_ignored() -> None:
    with pytest.raises(SystemExit, match="no setting 'rasa_prot'"):
        Settings(rasa_prot=1)


def test_a_copy_with_changes_keeps_the_rest_and_validates_the_change() -> None:
    settings = Settings(BOT_HOST="127.0.0.3", telegram_bot_token="t0ken")
    changed = settings.with_changes(redis_host="127.0.0.1", redis_port="6380")
    assert (changed.host, changed.redis_port, changed.telegram_bot_token.get_secret_value()) == ("127.0.0.3", 6380, "t0ken")
