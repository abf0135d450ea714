"""Command line: `survivor-bot content check`, `content preview TOPIC`, `content report` and `studio`.

`--content FOLDER` (or CONTENT_DIR) is a charity's overlay pack, read on top of data/content.
"""

from __future__ import annotations

import argparse
import sys
from typing import Optional

from bot.content.lint import lint_pack
from bot.content.loader import ContentPackError, load_pack
from bot.content.render import Reply, parse_region, topic_page


def _print_replies(replies: list[Reply]) -> None:
    for reply in replies:
        print(reply.text)
        for button in reply.buttons:
            print(f"  [{button.title}]  -> {button.payload}")
        print("-" * 60)


def content_check(content: Optional[str], locale: Optional[str], base: Optional[str] = None) -> int:
    """Validate a pack (the default pack plus an overlay) and lint its wording; exit 1 on any error."""
    try:
        pack = load_pack(base, locale, content)
    except ContentPackError as error:
        print(error, file=sys.stderr)
        return 1
    findings = lint_pack(pack)
    for finding in findings:
        print(finding, file=sys.stderr if finding.severity == "error" else sys.stdout)
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = sum(1 for f in findings if f.severity == "warning")
    status = "FAILED" if errors else "ok"
    overlay = f" + overlay {pack.overlay}" if pack.overlay else ""
    print(
        f"content pack {pack.root}{overlay}: {status}: {len(pack.topics)} topics, {len(pack.helplines)} helplines, "
        f"{errors} error(s), {warnings} warning(s)"
    )
    return 1 if errors else 0


def content_preview(
    topic_id: str, region: Optional[str], content: Optional[str], locale: Optional[str], base: Optional[str] = None
) -> int:
    """Print every page of a topic exactly as a survivor would read it."""
    try:
        pack = load_pack(base, locale, content)
    except ContentPackError as error:
        print(error, file=sys.stderr)
        return 1
    topic = pack.topics.get(topic_id)
    if topic is None:
        print(f"error: no topic '{topic_id}'; topics: {', '.join(sorted(pack.topics))}", file=sys.stderr)
        return 1
    chosen = parse_region(region) or pack.default_region
    if chosen is not None and chosen not in pack.enabled_regions:
        enabled = ", ".join(r.value for r in pack.enabled_regions)
        print(f"error: {chosen.value} is not enabled in this pack (enabled_regions: {enabled})", file=sys.stderr)
        return 1
    page = 0
    while replies := topic_page(pack, topic, chosen, page):
        _print_replies(replies)
        page += 1
    return 0


def content_report(
    fmt: str, out: Optional[str], content: Optional[str], locale: Optional[str], base: Optional[str] = None
) -> int:
    """Write the review table (every entry that states facts, with sources and review dates) to `out` or stdout."""
    from bot.content.report import render_report

    try:
        pack = load_pack(base, locale, content)
    except ContentPackError as error:
        print(error, file=sys.stderr)
        return 1
    text = render_report(pack, fmt)
    if out is None:
        print(text, end="")
        return 0
    try:
        with open(out, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    except OSError as error:
        print(f"error: can't write {out}: {error.strerror}", file=sys.stderr)
        return 1
    print(f"wrote the review table of {pack.root} to {out}")
    return 0


def stats_report(csv_output: bool, days: Optional[int]) -> int:
    """Print the opt-in topic counts (small counts suppressed)."""
    import datetime as dt

    from bot.stats import URL_ENV, as_csv, as_table, recorder, report

    stats = recorder()
    if stats is None:
        print(f"statistics are off: set {URL_ENV} (see docs/privacy.md)", file=sys.stderr)
        return 1
    since = dt.date.today() - dt.timedelta(days=days) if days else None
    rows = report(stats.rows(since))
    print(as_csv(rows) if csv_output else as_table(rows), end="\n" if not csv_output else "")
    return 0


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="survivor-bot", description="Tools for the survivor support assistant.")
    commands = parser.add_subparsers(dest="command", required=True)
    content = commands.add_parser("content", help="check or preview a content pack").add_subparsers(dest="action", required=True)
    for name, help_text in (
        ("check", "validate and lint a pack"),
        ("preview", "print a topic as a survivor sees it"),
        ("report", "a table of every entry that states facts, with its sources and review date, due first"),
    ):
        sub = content.add_parser(name, help=help_text)
        sub.add_argument("--content", help="your overlay pack folder, applied on top of the default pack (default: CONTENT_DIR)")
        sub.add_argument("--base", help="the default pack folder underneath (default: data/content)")
        sub.add_argument("--locale", help="language folder, such as en or cy (default: BOT_LOCALE, else en)")
        if name == "preview":
            sub.add_argument("topic")
            sub.add_argument("--region", choices=["england_wales", "scotland", "northern_ireland"])
        if name == "report":
            sub.add_argument("--format", choices=["md", "csv"], default="md", help="Markdown table (default) or CSV")
            sub.add_argument("--out", help="write to this file instead of the screen")
    # The content studio's own commands (add-user, serve) are parsed by bot/studio/__main__.py.
    commands.add_parser("studio", help="the content studio: add-user NAME --role ROLE, or serve", add_help=False)
    report_parser = commands.add_parser("stats", help="opt-in topic counts").add_subparsers(dest="action", required=True)
    report_cmd = report_parser.add_parser("report", help="daily counts per topic and channel (counts under 5 shown as <5)")
    report_cmd.add_argument("--csv", action="store_true", help="CSV instead of a table")
    report_cmd.add_argument("--days", type=int, help="only the last N days")
    arguments = sys.argv[1:] if argv is None else argv
    if arguments[:1] == ["studio"]:
        from bot.studio.__main__ import main as studio_main

        return studio_main(arguments[1:])
    args = parser.parse_args(argv)
    if args.command == "stats":
        return stats_report(args.csv, args.days)
    if args.action == "check":
        return content_check(args.content, args.locale, args.base)
    if args.action == "report":
        return content_report(args.format, args.out, args.content, args.locale, args.base)
    return content_preview(args.topic, args.region, args.content, args.locale, args.base)


if __name__ == "__main__":
    sys.exit(main())
