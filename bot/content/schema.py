"""Pydantic models for the content pack in data/content/<locale>/."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional, Union

import phonenumbers
from phonenumbers import shortnumberinfo
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from bot.content.locales import CATEGORY_ORDER, plural_categories, plural_category

#: Every message key the actions use. A pack without one of these is refused.
REQUIRED_MESSAGES = (
    "intro",
    "greeting_question",
    "menu_prompt",
    "disclosure",
    "disclosure_again",
    "detail_thanks",
    "police_aware",
    "support_someone",
    "region_from_message",
    "leave_now",
    "staff_note",
    "feelings",
    "bot_challenge",
    "region_question",
    "safety_line",
    "region_not_said_button",
    "region_set",
    "region_not_said",
    "region_heading",
    "region_differs",
    "button_more_topics",
    "menu_more_prompt",
    "stop",
    "goodbye",
    "thank",
    "affirm_no_context",
    "deny",
    "chitchat",
    "out_of_scope",
    "fallback",
    "crisis_leave",
    "crisis_safe_button",
    "suicide_question_yes",
    "suicide_question_no",
    "suicide_question_unsure",
    "suicide_answer_no",
    "suicide_answer_unsure",
    "suicide_signs_again",
    "safe_now",
    "safe_now_no_context",
    "tell_me_more_end",
    "tell_me_more_nothing",
    "button_tell_me_more",
    "button_menu",
    "button_stop",
    "helplines_heading",
    "crisis_helplines_heading",
    "hours_unknown",
    "info_not_advice",
    "hours_open_now",
    "hours_opens_at",
    "region_not_covered",
    "contact_call",
    "contact_text",
    "contact_email",
)

#: Placeholders a message may use; anything else in braces is a mistake.
ALLOWED_PLACEHOLDERS = {"bot_name", "region", "topic", "time", "day", "contact", "minutes"}

MAX_RESOURCES_PER_MESSAGE = 3

_ID = r"^[a-z][a-z0-9_]*$"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
_URL = re.compile(r"^https://[A-Za-z0-9.-]+\.[A-Za-z]{2,}(/[^\s]*)?$")


class Region(str, Enum):
    """Parts of the UK whose routes and services differ."""

    england_wales = "england_wales"
    scotland = "scotland"
    northern_ireland = "northern_ireland"


ALL_REGIONS = tuple(Region)
#: A topic's variant key: one region, or `all` for text that is the same everywhere.
VARIANT_ALL = "all"
#: Validation context key: the regions the pack gives answers for (pack.yml `enabled_regions`).
ENABLED_REGIONS = "enabled_regions"


def enabled_regions(info: Optional[ValidationInfo]) -> tuple[Region, ...]:
    """The regions a pack is being validated for (all of them unless the loader says otherwise)."""
    context = info.context if info is not None else None
    regions = context.get(ENABLED_REGIONS) if isinstance(context, dict) else None
    return tuple(regions) if regions else ALL_REGIONS


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _check_url(value: Optional[str]) -> Optional[str]:
    if value is not None and not _URL.match(value):
        raise ValueError(f"'{value}' is not a well-formed https:// URL")
    return value


#: Phone numbers are read as UK numbers.
PHONE_REGION = "GB"
#: Ofcom's numbers reserved for drama (01632 960000 to 960999): never a real line, so example
#: packs may use them; `content check` warns so that none goes live by mistake.
DRAMA_PREFIX = "+441632960"


def normalise_phone(value: str) -> str:
    """A UK phone number in E.164 form (+44...), or a short code (999, 116 123) as its digits.

    Raises ValueError, in words a charity can act on, when the number is not a UK number that
    can be dialled.
    """
    try:
        number = phonenumbers.parse(value, PHONE_REGION)
    except phonenumbers.NumberParseException as error:
        raise ValueError(f"'{value}' is not a phone number ({error})") from error
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if phonenumbers.is_valid_number(number) or e164.startswith(DRAMA_PREFIX):
        return e164
    if shortnumberinfo.is_valid_short_number(number):
        return phonenumbers.national_significant_number(number)
    raise ValueError(f"'{value}' is not a valid UK phone number: check the digits (a full number has 10 or 11 digits)")


def is_drama_number(value: Optional[str]) -> bool:
    """Whether a number is in Ofcom's drama range, which no real service uses."""
    try:
        return value is not None and normalise_phone(value).startswith(DRAMA_PREFIX)
    except ValueError:
        return False


def _check_phone(value: Optional[str]) -> Optional[str]:
    if value is not None:
        normalise_phone(value)
    return value


class Source(_Strict):
    """Where a fact comes from: a public page (`url`), or a document of this project (`doc`).

    `doc` is for facts about the assistant itself (what it keeps), which only its own
    documentation can source; the path is relative to the project folder.
    """

    url: Annotated[Optional[str], Field(description="The web address of the page that supports the claim, starting https://")] = (
        None
    )
    doc: Annotated[
        Optional[str], Field(description="Or a file of this project, such as docs/privacy.md (for facts about the assistant)")
    ] = None
    title: Annotated[str, Field(min_length=3, description="What the page is, in a few words, for the person who checks it")]

    _url = field_validator("url")(_check_url)

    @model_validator(mode="after")
    def _one_place(self) -> Source:
        if (self.url is None) == (self.doc is None):
            raise ValueError("give exactly one of url (a public page) or doc (a file of this project, e.g. docs/privacy.md)")
        if self.doc is not None and not (PROJECT_ROOT / self.doc).is_file():
            raise ValueError(f"doc '{self.doc}' is not a file of this project")
        return self


class Sourced(_Strict):
    """Anything that states facts carries its sources and the date someone last checked them."""

    sources: Annotated[list[Source], Field(min_length=1, description="The pages that support what this entry says")]
    last_reviewed: Annotated[
        dt.date, Field(description="The day someone last checked this entry against its sources; change it only after checking")
    ]


class Day(str, Enum):
    """Days of the week, in the short form used in `opening_hours`."""

    mon = "mon"
    tue = "tue"
    wed = "wed"
    thu = "thu"
    fri = "fri"
    sat = "sat"
    sun = "sun"

    @property
    def weekday(self) -> int:
        """Monday is 0, as in `datetime.weekday()`."""
        return list(Day).index(self)


class OpeningPeriod(_Strict):
    """Open from `open` to `close` (24-hour clock, UK time) on each of `days`.

    A `close` at or before `open` means the next morning: 20:00 to 02:00 is open past midnight.
    """

    days: Annotated[list[Day], Field(min_length=1, description="The days these hours apply to")]
    open: Annotated[dt.time, Field(description="Opening time, UK time, 24-hour clock (like 09:30)")]
    close: Annotated[dt.time, Field(description="Closing time; a time before opening means the next morning (20:00 to 02:00)")]

    @field_validator("open", "close", mode="before")
    @classmethod
    def _hh_mm(cls, value: object) -> object:
        if isinstance(value, int):  # YAML 1.1 reads an unquoted 10:00 as 600 (minutes, base 60)
            return dt.time(value // 60 % 24, value % 60)
        if isinstance(value, str):
            match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value.strip())
            if not match:
                raise ValueError(f"'{value}' is not a time like 09:30 or 20:30 (24-hour clock)")
            return dt.time(int(match.group(1)), int(match.group(2)))
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> OpeningPeriod:
        if self.open == self.close:
            raise ValueError("open and close are the same time; for a service open all day and night use open_24_7: true")
        return self


class Helpline(Sourced):
    """A service a survivor can contact."""

    id: Annotated[
        str, Field(pattern=_ID, description="A short name for the service in lower case, like local_helpline; never shown")
    ]
    name: Annotated[str, Field(min_length=2, description="The service's name as survivors see it")]
    phone: Annotated[Optional[str], Field(description="The number to call, as people dial it in the UK (like 0808 802 9999)")] = (
        None
    )
    text_number: Annotated[
        Optional[str], Field(description="The number to send a text message to, if the service takes texts")
    ] = None
    email: Annotated[Optional[str], Field(description="The service's e-mail address, if survivors can write to it")] = None
    web: Annotated[Optional[str], Field(description="The service's web page, starting https://")] = None
    chat: Annotated[Optional[str], Field(description="The page of its online chat, starting https://, if it has one")] = None
    #: Opening hours in words; None when not confirmed (the survivor is told to check the website).
    hours: Annotated[
        Optional[str],
        Field(
            description="Opening hours in words, as survivors read them; leave empty if not confirmed (they are told to check the website)"
        ),
    ] = None
    open_24_7: Annotated[bool, Field(description="Open all day and night, every day (then leave the opening times empty)")] = (
        False
    )
    #: Confirmed opening times, UK time; shown as "Open now" or "Opens at ...". Leave out when unsure.
    opening_hours: Annotated[
        Optional[Annotated[list[OpeningPeriod], Field(min_length=1)]],
        Field(description='Confirmed opening times, so the assistant can say "Open now"; leave empty when unsure'),
    ] = None
    for_whom: Annotated[str, Field(min_length=3, description="Who the service is for, in one plain sentence")]
    regions: Annotated[list[Region], Field(min_length=1, description="The parts of the UK the service serves")]

    _web = field_validator("web", "chat")(_check_url)
    _phones = field_validator("phone", "text_number")(_check_phone)

    @model_validator(mode="after")
    def _reachable(self) -> Helpline:
        if not (self.phone or self.text_number or self.email or self.web or self.chat):
            raise ValueError("a helpline needs a phone, text number, e-mail, web or chat contact")
        if self.open_24_7 and self.opening_hours:
            raise ValueError("give either open_24_7: true or opening_hours, not both")
        return self


class Page(_Strict):
    """One bite of a topic: a few short paragraphs and up to three services."""

    text: Annotated[str, Field(min_length=1)]
    helplines: Annotated[list[str], Field(max_length=MAX_RESOURCES_PER_MESSAGE)] = []


class TopicVariant(Sourced):
    """A topic as it reads in one region (or in all of them)."""

    pages: Annotated[list[Page], Field(min_length=1)]


#: A question's answer shows at most this many services: the answer stays one phone screen.
MAX_RESOURCES_PER_ANSWER = 2


def _check_variant_keys(keys: set[str], info: ValidationInfo) -> None:
    """`all` alone, or one variant per enabled region (shared by topics and questions)."""
    regions = {r.value for r in ALL_REGIONS}
    unknown = keys - regions - {VARIANT_ALL}
    if unknown:
        raise ValueError(f"unknown variant(s) {sorted(unknown)}; use 'all' or {sorted(regions)}")
    if VARIANT_ALL in keys and len(keys) > 1:
        raise ValueError("use either 'all' alone or one variant per region, not both")
    # Variants for regions the pack does not enable may stay (a regional overlay keeps the default's).
    needed = {r.value for r in enabled_regions(info)}
    if VARIANT_ALL not in keys and not needed <= keys:
        raise ValueError(f"missing variant(s) for {sorted(needed - keys)}: every enabled region needs its own answer")


class Answer(Sourced):
    """A question's short, direct answer in one region (or in all of them), with its own sources."""

    text: Annotated[str, Field(min_length=1)]
    helplines: Annotated[list[str], Field(max_length=MAX_RESOURCES_PER_ANSWER)] = []


class Question(_Strict):
    """A specific question survivors ask, answered in a few sentences before the topic overview.

    `asks` are example phrasings: the assistant matches what a survivor writes against them
    (bot/content/answers.py), so a charity can add or reword a question without retraining.
    """

    id: Annotated[str, Field(pattern=_ID)]
    #: The question as a button label for "related questions".
    title: Annotated[str, Field(min_length=3, max_length=60)]
    asks: Annotated[list[Annotated[str, Field(min_length=3)]], Field(min_length=1)]
    answers: dict[str, Answer]
    #: The one part of the UK the question is about ("as a PSNI officer", "What is CAAP-D?"); unset:
    #: everywhere. Someone who has said they are elsewhere is never given it (bot/content/answers.py).
    region: Optional[Region] = None

    @field_validator("answers")
    @classmethod
    def _regions_complete(cls, answers: dict[str, Answer], info: ValidationInfo) -> dict[str, Answer]:
        _check_variant_keys(set(answers), info)
        return answers

    @property
    def region_specific(self) -> bool:
        """Whether the answer differs by region (so the survivor may be asked where they are)."""
        return VARIANT_ALL not in self.answers

    def fits(self, region: Optional[Region]) -> bool:
        """Whether the question may be given to someone in `region` (None: not said)."""
        return self.region is None or region is None or region == self.region

    def answer_for(self, region: Region) -> Answer:
        """The answer that applies in `region`."""
        return self.answers.get(VARIANT_ALL) or self.answers[region.value]


class Topic(_Strict):
    """One thing the assistant can explain, such as the criminal route."""

    id: Annotated[str, Field(pattern=_ID)]
    intent: Annotated[str, Field(pattern=_ID)]
    title: Annotated[str, Field(min_length=2)]
    button: Annotated[str, Field(min_length=2, max_length=40)]
    content_note: Optional[str] = None
    #: Harm that may be going on now (abuse by a partner): asking for the region, the assistant
    #: first gives the `safety_line` message (999 and Samaritans, the same everywhere).
    safety_first: bool = False
    variants: dict[str, TopicVariant]
    #: The specific questions survivors ask about this topic, answered before the overview.
    questions: list[Question] = []

    @field_validator("variants")
    @classmethod
    def _regions_complete(cls, variants: dict[str, TopicVariant], info: ValidationInfo) -> dict[str, TopicVariant]:
        _check_variant_keys(set(variants), info)
        return variants

    @field_validator("questions")
    @classmethod
    def _unique_questions(cls, questions: list[Question]) -> list[Question]:
        ids = [q.id for q in questions]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"question id(s) {repeated} used more than once")
        return questions

    @property
    def region_specific(self) -> bool:
        """Whether the answer differs by region (so the survivor may be asked where they are)."""
        return VARIANT_ALL not in self.variants

    def variant_for(self, region: Region) -> TopicVariant:
        """The variant that applies in `region`."""
        return self.variants.get(VARIANT_ALL) or self.variants[region.value]


class CrisisReply(_Strict):
    """What the assistant says first when someone may be in danger or thinking of suicide."""

    text: Annotated[str, Field(min_length=1)]
    helplines: Annotated[list[str], Field(max_length=MAX_RESOURCES_PER_MESSAGE)] = []
    #: What the services are ("Domestic abuse helplines, open day or night:"), for when the region
    #: is not known and they are one for each part of the UK: then this heads one short line per
    #: region (where, and how to reach it) instead of a line per service with its long name, so
    #: the reply fits one phone screen. Without it, each service is named.
    services_heading: Optional[Annotated[str, Field(min_length=3)]] = None


#: The crisis replies a pack holds: one per crisis kind (rasa_plugins/crisis_matcher.py), and
#: what a channel says when the assistant can't be reached.
CRISIS_REPLY_KINDS = ("danger", "suicide", "harm_risk", "suicide_signs", "unavailable", "recent_assault")


class Crisis(Sourced):
    """Crisis replies, one per kind, and what a channel says when the assistant can't be reached."""

    #: Danger now: 999 and the Silent Solution first.
    danger: CrisisReply
    #: Thoughts of suicide or self-harm said outright: Samaritans first.
    suicide: CrisisReply
    #: High-risk domestic abuse markers without danger this minute: signs of serious risk, 999 if
    #: it escalates, a domestic abuse helpline, IDVA and MARAC, a force other than theirs.
    harm_risk: CrisisReply
    #: Indirect warning signs of suicide: Samaritans at once and a direct, caring question.
    suicide_signs: CrisisReply
    #: Shown by a channel when Rasa is down or slow: crisis numbers and services, no conversation.
    unavailable: CrisisReply
    #: A sexual assault in the last day or so, with nothing else that says danger now ("I was raped
    #: last night"): believed, 999 if in danger, then medical care and evidence, which depend on time.
    #: Optional: without it, such a message gets the danger reply.
    recent_assault: Optional[CrisisReply] = None

    def replies(self) -> list[tuple[str, CrisisReply]]:
        """Every reply the pack has, with its kind, in CRISIS_REPLY_KINDS order."""
        return [(kind, reply) for kind in CRISIS_REPLY_KINDS if (reply := getattr(self, kind)) is not None]


_HEX_COLOUR = r"^#[0-9a-fA-F]{6}$"
#: WCAG 2.2 AA minimum contrast for normal text.
MIN_CONTRAST = 4.5


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours, from 1 (same) to 21 (black on white)."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


class BrandColours(_Strict):
    """The web widget's colours: `primary` behind the header, launcher and the survivor's own messages."""

    primary: Annotated[
        str,
        Field(
            pattern=_HEX_COLOUR,
            title="Main colour",
            description="Behind the header, the chat button and the survivor's own messages, like #24496b",
        ),
    ] = "#24496b"
    #: Text on `primary`; the pair must reach 4.5:1 contrast.
    on_primary: Annotated[
        str,
        Field(
            pattern=_HEX_COLOUR,
            title="Text colour on the main colour",
            description="Like #ffffff; the two colours must contrast enough to read (4.5:1)",
        ),
    ] = "#ffffff"

    @model_validator(mode="after")
    def _readable(self) -> BrandColours:
        ratio = contrast_ratio(self.primary, self.on_primary)
        if ratio < MIN_CONTRAST:
            raise ValueError(f"primary and on_primary have contrast {ratio:.2f}:1; at least {MIN_CONTRAST}:1 is needed")
        return self


class Branding(_Strict):
    """How the web widget looks. Every field is optional; the defaults are calm and accessible."""

    #: Shown at the top of the widget; the pack's bot_name when unset.
    title: Annotated[
        Optional[str],
        Field(min_length=1, max_length=60, description="Shown at the top of the chat window; the bot's name if empty"),
    ] = None
    colours: Annotated[BrandColours, Field(description="The chat window's colours")] = BrandColours()
    #: A small picture beside the title (https only); none by default.
    avatar_url: Annotated[
        Optional[str], Field(title="Picture", description="A small picture beside the title: its https:// address")
    ] = None
    #: A short line shown when the widget opens, before the first message.
    intro: Annotated[
        Optional[str], Field(min_length=1, max_length=500, description="A short line shown when the chat window opens")
    ] = None
    #: Where quick exit goes (https only); overrides WEB_EXIT_URL when set.
    exit_url: Annotated[
        Optional[str],
        Field(title="Quick exit page", description="Where Quick exit takes someone at once: an everyday site, starting https://"),
    ] = None

    _urls = field_validator("avatar_url", "exit_url")(_check_url)


class PackInfo(_Strict):
    """Name and region labels of the pack, and the web widget's branding."""

    locale: Annotated[
        str,
        Field(
            pattern=r"^[a-z]{2}(-[A-Z]{2})?$", title="Language", description="The pack's language code, the same as its folder"
        ),
    ]
    bot_name: Annotated[
        str, Field(min_length=1, max_length=60, title="Bot name", description="The assistant's name on every channel")
    ]
    regions: dict[Region, Annotated[str, Field(min_length=1)]]
    #: The region used until the survivor says otherwise (a regional service sets its own); None asks.
    default_region: Annotated[
        Optional[Region],
        Field(description="The region answered for until the survivor says otherwise; none to ask them"),
    ] = None
    #: The regions this pack answers for; all of them unless a regional service names only its own.
    #: With one region enabled the assistant never asks where the survivor is.
    enabled_regions: Annotated[
        list[Region],
        Field(min_length=1, title="Regions you cover", description="With one region the assistant never asks where someone is"),
    ] = list(ALL_REGIONS)
    branding: Annotated[Branding, Field(description="How the web chat window looks")] = Branding()

    @field_validator("regions")
    @classmethod
    def _all_regions_named(cls, regions: dict[Region, str]) -> dict[Region, str]:
        missing = set(ALL_REGIONS) - set(regions)
        if missing:
            raise ValueError(f"missing a display name for {sorted(r.value for r in missing)}")
        return regions

    @field_validator("enabled_regions")
    @classmethod
    def _no_repeats(cls, regions: list[Region]) -> list[Region]:
        repeated = sorted({r.value for r in regions if regions.count(r) > 1})
        if repeated:
            raise ValueError(f"lists {', '.join(repeated)} more than once")
        return regions

    @model_validator(mode="after")
    def _default_is_enabled(self) -> PackInfo:
        if self.default_region is not None and self.default_region not in self.enabled_regions:
            raise ValueError(
                f"default_region '{self.default_region.value}' is not in enabled_regions "
                f"{[r.value for r in self.enabled_regions]}: add it there, or choose an enabled region"
            )
        return self

    @property
    def active_regions(self) -> tuple[Region, ...]:
        """The enabled regions in the usual order (England and Wales, Scotland, Northern Ireland)."""
        return tuple(r for r in ALL_REGIONS if r in self.enabled_regions)


class Menu(_Strict):
    """The topics offered as buttons, in order, and the services shown after a misunderstanding."""

    menu: Annotated[list[str], Field(min_length=1)]
    #: Keyed by region, plus `not_said` for services valid everywhere.
    signpost: dict[str, Annotated[list[str], Field(min_length=1, max_length=MAX_RESOURCES_PER_MESSAGE)]]

    @field_validator("signpost")
    @classmethod
    def _signpost_keys(cls, signpost: dict[str, list[str]], info: ValidationInfo) -> dict[str, list[str]]:
        known = {r.value for r in ALL_REGIONS} | {"not_said"}
        needed = {r.value for r in enabled_regions(info)} | {"not_said"}
        unknown = set(signpost) - known
        if unknown:
            raise ValueError(f"unknown key(s) {sorted(unknown)}; use {sorted(known)}")
        if not needed <= set(signpost):
            raise ValueError(
                f"missing the key(s) {sorted(needed - set(signpost))}: each enabled region and not_said need services"
            )
        return signpost


class Messages(_Strict):
    """Plain sentences without facts, by key."""

    messages: dict[str, Annotated[str, Field(min_length=1)]]

    @field_validator("messages")
    @classmethod
    def _required(cls, messages: dict[str, str]) -> dict[str, str]:
        missing = [key for key in REQUIRED_MESSAGES if key not in messages]
        if missing:
            raise ValueError(f"missing message(s): {', '.join(missing)}")
        for key, text in messages.items():
            bad = set(re.findall(r"\{([^{}]*)\}", text)) - ALLOWED_PLACEHOLDERS
            if bad:
                raise ValueError(f"'{key}' uses unknown placeholder(s) {sorted(bad)}; allowed: {sorted(ALLOWED_PLACEHOLDERS)}")
        return messages


# --- Channel texts (channels.yml) ---------------------------------------------------------------


@dataclass(frozen=True)
class TextSpec:
    """What one channel text may contain: its placeholders, and whether it has a form per count."""

    placeholders: frozenset[str] = frozenset()
    #: A text that states a number has a form per plural category (`one`, `other` in English); `{count}` is the number.
    plural: bool = False

    @property
    def allowed(self) -> frozenset[str]:
        return self.placeholders | {"bot_name"} | ({"count"} if self.plural else frozenset())


_TEXT = TextSpec()
_COUNTED = TextSpec(plural=True)

#: Every sentence a channel says about itself (channels.yml), by group, with what each may contain.
#: The gateway refuses a pack without one of these, like a missing message.
CHANNEL_TEXTS: dict[str, dict[str, TextSpec]] = {
    # Telegram: about Telegram itself, never about a survivor's situation. Sent as plain text.
    "telegram": {
        "flood": _TEXT,
        "not_text": _TEXT,
        "private_only": _TEXT,
        "button_expired": _TEXT,
        "choose": _TEXT,
        "exit_cleared": _TEXT,
        "exit_deleted": _COUNTED,
        "exit_too_old": _COUNTED,
        "exit_older_remain": _TEXT,
        "exit_messages_unknown": _TEXT,
        "exit_refused": _COUNTED,
        "exit_not_forgotten": _COUNTED,
        "delete_chat_howto": _TEXT,
        "exit_start_again": _TEXT,
    },
    # The web widget's own words: buttons, labels read by screen readers, notes.
    "widget": {
        "region": _TEXT,
        "launcher": _TEXT,
        "close": _TEXT,
        "quick_exit": _TEXT,
        "quick_exit_label": _TEXT,
        "conversation": _TEXT,
        "input_label": _TEXT,
        "send": _TEXT,
        "you_said": _TEXT,
        "bot_said": TextSpec(frozenset({"title"})),
        "typing": TextSpec(frozenset({"title"})),
        "options": _TEXT,
        "new_tab": _TEXT,
        "notice": _TEXT,
        "shift_presses_left": _COUNTED,
        "shift_expired": _TEXT,
        "leaving": _TEXT,
        "unreachable": _TEXT,
        "new_session": _TEXT,
        "too_long": _TEXT,
        "clear": _TEXT,
        "cleared": _TEXT,
        "cleared_here_only": TextSpec(frozenset({"minutes"})),
        "expired": _TEXT,
        "new_reply": _TEXT,
        "not_sent": _TEXT,
        "not_sent_detail": _TEXT,
        "slow": _TEXT,
        "dismiss": _TEXT,
        "counter": TextSpec(frozenset({"count", "limit"})),
        "counter_over": TextSpec(frozenset({"count", "limit"})),
        "shift_hint": _TEXT,
        "call": TextSpec(frozenset({"number"})),
        "call_service": TextSpec(frozenset({"service", "number"})),
    },
    # The gateway's own pages: the demo page (/) and the embedding example (/embed). A little
    # markup: **bold**, `code`, [[a key]], and [a link](/path) to another page of the gateway.
    "pages": {
        "demo_title": TextSpec(frozenset({"title"})),
        "demo_intro": TextSpec(frozenset({"launcher"})),
        "demo_about": _TEXT,
        "leaving_heading": _TEXT,
        "leaving_button": TextSpec(frozenset({"quick_exit"})),
        "leaving_keys": _TEXT,
        "leaving_how": _TEXT,
        "kept_heading": _TEXT,
        "kept": _COUNTED,
        "embed_heading": _TEXT,
        "embed_paste": _TEXT,
        "embed_see_inline": _TEXT,
        "embed_title": TextSpec(frozenset({"title"})),
        "embed_one_line": TextSpec(frozenset({"launcher"})),
        "embed_inline": _TEXT,
        "embed_origins": _TEXT,
        "embed_back": _TEXT,
        "footer": _TEXT,
    },
    # What the widget shows when the gateway refuses a request (bot/gateway/web/channel.py), by error code.
    "widget_errors": {
        "bad_request": _TEXT,
        "empty": _TEXT,
        "session_ended": _TEXT,
        "too_long": TextSpec(frozenset({"limit"})),
        "slow_down": _TEXT,
        "origin_not_allowed": _TEXT,
        "too_slow": _TEXT,
    },
}


class Plural(_Strict):
    """A text with a number in it: one form for each plural category of the pack's language (CLDR, via Babel).

    English has `one` (1) and `other`; Welsh has `zero`, `one`, `two`, `few`, `many` and `other`
    (bot/content/locales.py). `check_channel_text` makes sure a pack gives exactly its language's.
    """

    zero: Optional[Annotated[str, Field(min_length=1)]] = None
    one: Optional[Annotated[str, Field(min_length=1)]] = None
    two: Optional[Annotated[str, Field(min_length=1)]] = None
    few: Optional[Annotated[str, Field(min_length=1)]] = None
    many: Optional[Annotated[str, Field(min_length=1)]] = None
    other: Annotated[str, Field(min_length=1)]

    def forms(self) -> dict[str, str]:
        """The forms given, by category, in CLDR order."""
        return {category: text for category in CATEGORY_ORDER if (text := getattr(self, category)) is not None}

    def choose(self, count: int, locale: str) -> str:
        """The form for `count` in the language of `locale` (`other` if the pack left that category out)."""
        return self.forms().get(plural_category(locale, count), self.other)


ChannelText = Union[str, Plural]


def _forms_needed(locale: str) -> str:
    categories = plural_categories(locale)
    if categories == ("one", "other"):
        return "needs two forms, one: (for 1) and other: (for any other number), each with {count}"
    names = ", ".join(f"{category}:" for category in categories)
    return f"needs a form for each plural category of this language ({locale}: {names}), each with {{count}}"


def check_channel_text(group: str, key: str, value: object, locale: str = "en") -> Optional[str]:
    """Why a channel text is wrong (shape, plural forms for `locale`, or placeholders), or None when it is fine."""
    spec = CHANNEL_TEXTS[group][key]
    if spec.plural:
        if not isinstance(value, dict) or set(value) != set(plural_categories(locale)):
            return _forms_needed(locale)
        forms = list(value.values())
    else:
        if isinstance(value, dict):
            return "is a single text, not a mapping"
        forms = [value]
    for form in forms:
        if not isinstance(form, str) or not form.strip():
            return "needs some text"
        bad = set(re.findall(r"\{([^{}]*)\}", form)) - spec.allowed
        if bad:
            allowed = sorted(spec.allowed)
            return f"uses unknown placeholder(s) {sorted(bad)}; allowed: {allowed}"
        if re.sub(r"\{[^{}]*\}", "", form).count("{") or re.sub(r"\{[^{}]*\}", "", form).count("}"):
            return "has a { or } that is not part of a placeholder such as {count}"
    return None


class ChannelTexts(_Strict):
    """channels.yml: sentences and labels that belong to a channel rather than to the conversation."""

    telegram: dict[str, ChannelText]
    widget: dict[str, ChannelText]
    pages: dict[str, ChannelText]
    widget_errors: dict[str, ChannelText]

    def get(self, group: str, key: str) -> ChannelText:
        value: ChannelText = getattr(self, group)[key]
        return value


# --- Wording rules of a locale (lint.yml) -------------------------------------------------------


class LintRules(_Strict):
    """lint.yml: the words the assistant never uses in its own voice, in this locale's language.

    `banned_phrases` are refused anywhere in the pack (blaming, minimising, orders);
    `allowed_phrases` are longer phrases containing a banned word that are fine ("just now").
    """

    banned_phrases: list[Annotated[str, Field(min_length=2)]]
    allowed_phrases: list[Annotated[str, Field(min_length=2)]] = []

    @model_validator(mode="after")
    def _allowed_are_longer(self) -> LintRules:
        banned = {p.lower() for p in self.banned_phrases}
        same = sorted(p for p in self.allowed_phrases if p.lower() in banned)
        if same:
            raise ValueError(
                f"{same} is both banned and allowed: an allowed phrase must be longer than the banned words it contains"
            )
        return self
