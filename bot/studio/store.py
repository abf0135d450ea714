"""The draft, its review, publishing, the published versions and the audit log, all under STUDIO_DATA.

    <data>/draft/<locale>/…       the overlay pack being edited (the same layout as the overlay)
    <data>/draft.json             who changed the draft, who submitted it, who approved it
    <data>/versions/<n>/<locale>/ every published version, with meta.json (who, when, the diff)
    <data>/audit.log              one JSON line per staff action: who, when, what (never survivor data)

Publishing writes each file of the overlay atomically; the action server's hot reload picks the
change up within about two seconds, and refuses a broken pack (the studio checks first).
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional

from bot.studio.overlay import write_atomic


class WorkflowError(Exception):
    """A step the rules don't allow now (approving one's own change, publishing unapproved); says why."""


@dataclass
class DraftState:
    """Where the draft stands: `editing`, `submitted` (for review) or `approved`."""

    state: str = "editing"
    editors: list[str] = field(default_factory=list)
    submitted_by: Optional[str] = None
    approved_by: Optional[str] = None
    changed_at: Optional[str] = None
    #: A fingerprint of the overlay's files when this draft began (to notice edits made outside the studio).
    based_on: Optional[str] = None


@dataclass(frozen=True)
class Version:
    """One published version of the overlay."""

    number: int
    published_by: str
    approved_by: Optional[str]
    when: str
    note: str
    diff: str
    #: Who edited the draft that became this version.
    changed_by: tuple[str, ...] = ()


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def _yaml_files(root: Path) -> dict[str, str]:
    """Every .yml file under `root` by its path inside it, with its text."""
    if not root.is_dir():
        return {}
    return {str(p.relative_to(root)): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.yml")) if p.is_file()}


def fingerprint(files: dict[str, str]) -> str:
    """One hash of a set of files' names and texts."""
    return hashlib.sha256(json.dumps(sorted(files.items())).encode()).hexdigest()


def diff_files(before: dict[str, str], after: dict[str, str]) -> str:
    """A readable unified diff of two sets of files."""
    lines: list[str] = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name, ""), after.get(name, "")
        if old != new:
            lines.extend(
                difflib.unified_diff(
                    old.splitlines(keepends=True), new.splitlines(keepends=True), f"published/{name}", f"new/{name}"
                )
            )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


class Store:
    """The studio's records for one overlay pack and locale.

    Each step reads and writes without awaiting in between (the app calls it from its one event
    loop), so two staff members' steps never interleave.
    """

    def __init__(self, data: Path, overlay: Path, locale: str, two_person_rule: bool) -> None:
        self.data, self.overlay, self.locale, self.two_person_rule = data, overlay, locale, two_person_rule
        self.draft_root = data / "draft"
        (overlay / locale).mkdir(parents=True, exist_ok=True)  # the assistant needs the folder to exist
        if not (self.draft_root / locale).is_dir():
            self._reset_draft(self.published_files())

    # --- the draft ---

    @property
    def draft_folder(self) -> Path:
        return self.draft_root / self.locale

    def state(self) -> DraftState:
        try:
            return DraftState(**json.loads((self.data / "draft.json").read_text(encoding="utf-8")))
        except (FileNotFoundError, ValueError, TypeError):
            return DraftState()

    def _save_state(self, state: DraftState) -> None:
        write_atomic(self.data / "draft.json", json.dumps(asdict(state), indent=2))

    def write_draft(self, user: str, name: str, text: str, what: str) -> None:
        """Save one file of the draft; any change sends the draft back to editing (a new review is needed)."""
        write_atomic(self.draft_folder / name, text)
        state = self.state()
        editors = state.editors if user in state.editors else [*state.editors, user]
        self._save_state(DraftState("editing", editors, None, None, _now(), state.based_on))
        self.audit(user, "edit", what)

    def remove_draft(self, user: str, name: str, what: str) -> None:
        """Take one file out of the draft (it says nothing the default pack doesn't); a new review is needed."""
        (self.draft_folder / name).unlink(missing_ok=True)
        state = self.state()
        editors = state.editors if user in state.editors else [*state.editors, user]
        self._save_state(DraftState("editing", editors, None, None, _now(), state.based_on))
        self.audit(user, "edit", what)

    def draft_files(self) -> dict[str, str]:
        return _yaml_files(self.draft_folder)

    def published_files(self) -> dict[str, str]:
        return _yaml_files(self.overlay / self.locale)

    def pending_diff(self) -> str:
        return diff_files(self.published_files(), self.draft_files())

    def submit(self, user: str) -> None:
        state = self.state()
        if not self.pending_diff():
            raise WorkflowError("there is nothing to submit: the draft is the same as what is published")
        self._save_state(DraftState("submitted", state.editors or [user], user, None, state.changed_at, state.based_on))
        self.audit(user, "submit", "")

    def approve(self, user: str, is_reviewer: bool) -> None:
        state = self.state()
        if state.state != "submitted":
            raise WorkflowError("only a submitted draft can be approved")
        if not is_reviewer:
            raise WorkflowError("approving needs the reviewer role")
        if self.two_person_rule and user in {*state.editors, state.submitted_by}:
            raise WorkflowError("you changed this draft, so a second person with the reviewer role approves it")
        state.state, state.approved_by = "approved", user
        self._save_state(state)
        self.audit(user, "approve", "")

    def changed_outside(self) -> bool:
        """Whether the overlay's files changed (by hand, say) since this draft began."""
        state = self.state()
        return state.based_on is not None and state.based_on != fingerprint(self.published_files())

    def follow_outside_changes(self) -> None:
        """A draft nobody has edited follows the overlay when its files are changed by hand."""
        if self.changed_outside() and not self.state().editors:
            self._reset_draft(self.published_files())

    def may_publish(self) -> Optional[str]:
        """Why the draft can't be published now, or None."""
        if self.changed_outside():
            return (
                "the overlay's files were changed outside the studio since this draft began, and publishing would "
                "undo that: discard the draft to start again from them"
            )
        if not self.pending_diff():
            return "there is nothing to publish: the draft is the same as what is published"
        if self.two_person_rule and self.state().state != "approved":
            return "a reviewer approves the draft before it is published (the two-person rule is on)"
        return None

    # --- publishing and versions ---

    def publish(self, user: str, note: str = "") -> Version:
        """Write the draft over the overlay, file by file, atomically; keep it as a new version."""
        reason = self.may_publish()
        if reason:
            raise WorkflowError(reason)
        state = self.state()
        return self._publish_files(
            user, self.draft_files(), state.approved_by, note or "published the draft", tuple(state.editors)
        )

    def _publish_files(
        self, user: str, files: dict[str, str], approved_by: Optional[str], note: str, changed_by: tuple[str, ...] = ()
    ) -> Version:
        before = self.published_files()
        if not self.versions():
            # The overlay as found (hand-written, or empty): kept, so the first change can be undone too.
            self._keep(
                Version(1, "(before the studio)", None, _now(), "the overlay before the studio first published", ""), before
            )
        target = self.overlay / self.locale
        for name, text in files.items():
            if before.get(name) != text:
                write_atomic(target / name, text)
        for name in set(before) - set(files):
            (target / name).unlink(missing_ok=True)
        number = len(self.versions()) + 1
        version = Version(number, user, approved_by, _now(), note, diff_files(before, files), changed_by)
        self._keep(version, files)
        self._reset_draft(files)
        self.audit(user, "publish", f"version {number}")
        return version

    def _keep(self, version: Version, files: dict[str, str]) -> None:
        folder = self.data / "versions" / str(version.number)
        for name, text in files.items():
            write_atomic(folder / self.locale / name, text)
        (folder / self.locale).mkdir(parents=True, exist_ok=True)
        write_atomic(folder / "meta.json", json.dumps(asdict(version), indent=2))

    def _reset_draft(self, files: dict[str, str]) -> None:
        shutil.rmtree(self.draft_folder, ignore_errors=True)
        self.draft_folder.mkdir(parents=True)
        for name, text in files.items():
            write_atomic(self.draft_folder / name, text)
        self._save_state(DraftState(based_on=fingerprint(files)))

    def versions(self) -> list[Version]:
        """Every published version, newest first."""
        found = []
        for meta in (self.data / "versions").glob("*/meta.json"):
            try:
                record = json.loads(meta.read_text(encoding="utf-8"))
                found.append(Version(**{**record, "changed_by": tuple(record.get("changed_by", ()))}))
            except (ValueError, TypeError):
                continue
        return sorted(found, key=lambda v: v.number, reverse=True)

    def version_files(self, number: int) -> dict[str, str]:
        return _yaml_files(self.data / "versions" / str(number) / self.locale)

    def restore(self, user: str, number: int) -> Version:
        """Publish an earlier version again, as a new version (it was reviewed when first published)."""
        if number not in {v.number for v in self.versions()}:
            raise WorkflowError(f"there is no version {number}")
        return self._publish_files(user, self.version_files(number), None, f"restored version {number}")

    def discard(self, user: str) -> None:
        """Throw the draft away: it becomes what is published."""
        self._reset_draft(self.published_files())
        self.audit(user, "discard", "")

    # --- audit ---

    def audit(self, user: str, action: str, what: str) -> None:
        """One line per staff action: who, when, what. Never a survivor's words: the studio has none."""
        self.data.mkdir(parents=True, exist_ok=True)
        line: dict[str, Any] = {"when": _now(), "who": user, "action": action, "what": what}
        with (self.data / "audit.log").open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(line) + "\n")
