"""What differs by language and is not the pack's to write: plural categories, day names, times (Babel's CLDR data).

A pack's locale is a language (`en`, `cy`), or a language and a country (`en-GB`). This is a UK
service, so a bare language is read as spoken in the UK (`en` as `en_GB`: "Monday", "09:30"; `cy` as
`cy_GB`). A code CLDR does not know (a test's made-up `xx`) follows English rules, so a new pack can
be tried out before its language is settled.

Plural categories are CLDR's: English has `one` and `other`; Welsh has `zero`, `one`, `two`,
`few`, `many` and `other`. A text with a number (channels.yml) has one form for each category of
its pack's language.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_time, get_day_names

__all__ = ["CATEGORY_ORDER", "babel_locale", "day_name", "plural_categories", "plural_category", "short_time"]

#: CLDR's plural categories, in the order people write them down.
CATEGORY_ORDER = ("zero", "one", "two", "few", "many", "other")
#: The country a bare language code is read for.
COUNTRY = "GB"
#: The rules for a code CLDR does not know.
FALLBACK = "en_GB"


@lru_cache(maxsize=32)  # a few packs at most; not unbounded
def babel_locale(locale: str) -> Locale:
    """Babel's locale for a pack locale: `en` -> en_GB, `cy` -> cy_GB, `en-GB` as it is; unknown codes -> en_GB."""
    code = locale.replace("-", "_")
    if "_" not in code:
        code = f"{code}_{COUNTRY}"
    try:
        return Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(FALLBACK)


def plural_categories(locale: str) -> tuple[str, ...]:
    """The plural categories the language distinguishes, in CLDR order (always ending with `other`)."""
    tags = babel_locale(locale).plural_form.tags | {"other"}
    return tuple(category for category in CATEGORY_ORDER if category in tags)


def plural_category(locale: str, count: int) -> str:
    """Which category `count` falls in for the language: `one` for 1 in English, `two` for 2 in Welsh."""
    return str(babel_locale(locale).plural_form(count))


def day_name(locale: str, moment: dt.date) -> str:
    """The day of `moment` as written in the language ("Monday", "Dydd Llun")."""
    return str(get_day_names("wide", "format", babel_locale(locale))[moment.weekday()])


def short_time(locale: str, moment: dt.datetime | dt.time) -> str:
    """A time of day as the language writes it (CLDR's short form: "09:30" in English in the UK)."""
    time = moment.time() if isinstance(moment, dt.datetime) else moment  # as the clock there shows it
    return str(format_time(time, "short", locale=babel_locale(locale)))
