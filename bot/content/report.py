"""`content report`: every entry that states facts, with its sources, review date and regions.

One table, so that a charity's reviewer can check the whole pack in one sitting: the entries due
for review first (oldest `last_reviewed`), each with the pages that support it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Optional

from bot.content.lint import STALE_AFTER, is_home_page, sourced_entries
from bot.content.loader import ContentPack
from bot.content.schema import VARIANT_ALL, Answer, Helpline, Region, Source, TopicVariant

#: The formats `content report --format` writes.
FORMATS = ("md", "csv")
COLUMNS = ("Review due", "Last reviewed", "Kind", "Entry", "File", "Regions", "Sources")


@dataclass(frozen=True)
class ReportRow:
    """One entry that states facts: where it is, what it covers and where its facts come from."""

    due: dt.date
    last_reviewed: dt.date
    kind: str  # "helpline", "topic", "answer" (a question's) or "crisis"
    entry: str  # what a reviewer looks for: the helpline's id, topic > region, or topic > question > region
    file: str
    regions: tuple[str, ...]  # display names from pack.yml
    sources: tuple[Source, ...]

    def overdue(self, today: dt.date) -> bool:
        """Whether the review is due on or before `today`."""
        return self.due <= today


def _region_names(pack: ContentPack, regions: list[Region] | tuple[Region, ...]) -> tuple[str, ...]:
    enabled = [r for r in pack.enabled_regions if r in regions]
    return tuple(pack.region_name(r) for r in enabled)


def _regions_of(pack: ContentPack, prefix: str, item: object) -> tuple[str, ...]:
    if isinstance(item, Helpline):
        return _region_names(pack, item.regions)
    if isinstance(item, (TopicVariant, Answer)):  # a topic's variant or a question's answer: the region is the last key
        key = prefix.rstrip(".").split(".")[-1]
        return _region_names(pack, pack.enabled_regions if key == VARIANT_ALL else (Region(key),))
    return _region_names(pack, pack.enabled_regions)  # crisis replies are for everyone


def report_rows(pack: ContentPack) -> list[ReportRow]:
    """Every helpline, topic answer and question answer (one per region) and the crisis replies, the longest unreviewed first.

    A topic answer for a region the pack does not enable is left out: nobody reads it.
    """
    rows: list[ReportRow] = []
    for file, entry, prefix, item in sourced_entries(pack):
        if isinstance(item, Helpline):
            kind, name = "helpline", entry
        elif isinstance(item, Answer):  # prefix: questions.<id>.answers.<region>.
            _, question_id, _, key, _ = prefix.split(".")
            kind, name = "answer", f"{entry} > {question_id} > {key}"
        elif isinstance(item, TopicVariant):
            kind, name = "topic", f"{entry} > {prefix.split('.')[1]}"
        else:
            kind, name = "crisis", "crisis replies"
        regions = _regions_of(pack, prefix, item)
        if not regions:
            continue
        rows.append(
            ReportRow(
                due=item.last_reviewed + STALE_AFTER,
                last_reviewed=item.last_reviewed,
                kind=kind,
                entry=name,
                file=file,
                regions=regions,
                sources=tuple(item.sources),
            )
        )
    rows.sort(key=lambda r: (r.due, r.file, r.entry))
    return rows


def _source_text(source: Source) -> str:
    where = source.url or source.doc or ""
    flag = " (home page only)" if source.url and is_home_page(source.url) else ""
    return f"{source.title}: {where}{flag}"


def _md_cell(text: str) -> str:
    # A pipe would end the cell and a newline the row.
    return text.replace("|", "\\|").replace("\n", " ")


def as_markdown(rows: list[ReportRow], today: Optional[dt.date] = None) -> str:
    """The rows as one Markdown table, with a line saying how many are overdue."""
    today = today or dt.date.today()
    overdue = sum(1 for r in rows if r.overdue(today))
    lines = [
        f"# Content review: {len(rows)} entries, {overdue} due for review on {today.isoformat()}",
        "",
        "Entries due for review first. Check each claim against its sources, then set `last_reviewed`.",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    for r in rows:
        due = f"**{r.due.isoformat()} (overdue)**" if r.overdue(today) else r.due.isoformat()
        sources = "<br>".join(
            _md_cell(f"[{s.title}]({s.url})" if s.url else f"{s.title} ({s.doc})")
            + (" (home page only)" if s.url and is_home_page(s.url) else "")
            for s in r.sources
        )
        cells = [due, r.last_reviewed.isoformat(), r.kind, _md_cell(r.entry), _md_cell(r.file), ", ".join(r.regions), sources]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def as_csv(rows: list[ReportRow]) -> str:
    """The rows as CSV, one source per line inside the Sources cell."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow(
            [
                r.due.isoformat(),
                r.last_reviewed.isoformat(),
                r.kind,
                r.entry,
                r.file,
                "; ".join(r.regions),
                "\n".join(_source_text(s) for s in r.sources),
            ]
        )
    return out.getvalue()


def render_report(pack: ContentPack, fmt: str = "md", today: Optional[dt.date] = None) -> str:
    """The review report of a pack in `fmt` ("md" or "csv")."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format '{fmt}': use one of {', '.join(FORMATS)}")
    rows = report_rows(pack)
    return as_csv(rows) if fmt == "csv" else as_markdown(rows, today)
