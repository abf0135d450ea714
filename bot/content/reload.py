"""The content pack a running process speaks from, reloaded when one of its files changes.

The action server and the gateway each hold one (actions/base.py, bot/gateway/app.py): the
content studio's publish, or an edit by hand, reaches both without a restart. A pack that fails
validation is refused and the previous one keeps serving.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Optional

from bot.content.loader import ContentPack, ContentPackError, load_pack

logger = logging.getLogger(__name__)

#: How often, at most, the pack's files are looked at for changes (seconds).
RELOAD_CHECK_SECONDS = 2.0


def _stamp(files: tuple[Path, ...]) -> tuple[tuple[str, int, int], ...]:
    """Each watched file's modification time and size (a missing file counts as changed)."""
    stamp = []
    for path in files:
        try:
            info = path.stat()
            stamp.append((str(path), info.st_mtime_ns, info.st_size))
        except OSError:
            stamp.append((str(path), -1, -1))
    return tuple(stamp)


class PackHolder:
    """The content pack the actions speak from, reloaded when a pack file changes or on SIGHUP.

    A pack that fails validation is refused: the previous one keeps serving, and one log line
    names every problem (the pack's own files and entries; never anything a survivor wrote).
    """

    def __init__(
        self,
        loader: Callable[[], ContentPack] = load_pack,
        interval: float = RELOAD_CHECK_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._loader = loader
        self._interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        self._pack: Optional[ContentPack] = None
        self._stamp: tuple[tuple[str, int, int], ...] = ()
        self._refused: Optional[tuple[tuple[str, int, int], ...]] = None
        self._checked = 0.0
        self._forced = False

    def request_reload(self) -> None:
        """Reload on the next request whatever the files' times say (the SIGHUP handler calls this)."""
        self._forced = True

    def get(self) -> ContentPack:
        with self._lock:
            if self._pack is None:
                self._pack = self._loader()  # the first load must succeed: a broken pack never starts
                self._stamp = _stamp(self._pack.watched)
                self._checked = self._clock()
                return self._pack
            forced, self._forced = self._forced, False
            if forced or self._clock() - self._checked >= self._interval:
                self._checked = self._clock()
                self._maybe_reload(forced)
            return self._pack

    def _maybe_reload(self, forced: bool) -> None:
        assert self._pack is not None
        stamp = _stamp(self._pack.watched)
        if not forced and (stamp == self._stamp or stamp == self._refused):
            return
        try:
            pack = self._loader()
        except ContentPackError as error:
            self._refused = stamp
            problems = "; ".join(str(p) for p in error.problems)
            logger.error("content pack changed but was refused, still serving the previous one: %s", problems)
            return
        self._pack, self._stamp, self._refused = pack, _stamp(pack.watched), None
        logger.info("content pack reloaded from %s", pack.root if pack.overlay is None else f"{pack.root} + {pack.overlay}")
