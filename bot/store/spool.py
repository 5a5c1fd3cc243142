"""The local spool: confirmed requests the database could not take, one fsynced JSON file each.

A visitor is given a reference code only once the request is durable somewhere: in the database, or
here. A file is named after the request's idempotency key, so a retried submit finds the entry (and
its code) again, and writing is create-once: temp file, fsync, link into place, fsync the directory.
The action server drains the spool into the database (`bot.request_service.drain`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bot.store.requests import NewRequest

logger = logging.getLogger(__name__)

FORMAT = 1
_SUFFIX = ".json"
_TEMP_PREFIX = ".tmp-"


class CorruptEntry(ValueError):
    """A spool file that cannot be read back as a request (kept on disk for a person to look at)."""


@dataclass(frozen=True)
class SpooledRequest:
    """A request as the visitor confirmed it, with the code they were given."""

    reference: str
    request: NewRequest

    @property
    def key(self) -> str:
        return self.request.idempotency_key or self.reference


def encode(entry: SpooledRequest) -> bytes:
    fields = asdict(entry.request)
    for name in ("preferred_date", "consent_at", "created_at"):
        if fields[name] is not None:
            fields[name] = fields[name].isoformat()
    document = {"format": FORMAT, "reference": entry.reference, "request": fields}
    return json.dumps(document, ensure_ascii=False, sort_keys=True, indent=1).encode()


def decode(raw: bytes) -> SpooledRequest:
    try:
        document = json.loads(raw)
        fields: dict[str, Any] = dict(document["request"])
        reference = document["reference"]
        if document.get("format") != FORMAT or not isinstance(reference, str):
            raise ValueError(f"unknown format {document.get('format')!r}")
        for name, parse in (
            ("preferred_date", date.fromisoformat),
            ("consent_at", datetime.fromisoformat),
            ("created_at", datetime.fromisoformat),
        ):
            if fields.get(name) is not None:
                fields[name] = parse(fields[name])
        return SpooledRequest(reference=reference, request=NewRequest(**fields))
    except (ValueError, KeyError, TypeError) as error:
        raise CorruptEntry(f"{type(error).__name__}: {error}") from None


def file_name(key: str) -> str:
    """Keys hold conversation ids (free text): the file is named by their hash."""
    return "req-" + hashlib.sha256(key.encode()).hexdigest()[:40] + _SUFFIX


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Spool:
    """A directory of pending requests. Safe across processes: entries are created once and whole."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def path_for(self, key: str) -> Path:
        return self.directory / file_name(key)

    def put(self, entry: SpooledRequest) -> SpooledRequest:
        """Make the entry durable; if one with the same key is already here, that one is returned."""
        if existing := self.find(entry.key):
            return existing
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        final = self.path_for(entry.key)
        temp = self.directory / f"{_TEMP_PREFIX}{final.name}.{secrets.token_hex(4)}"
        try:
            # Patients' details: readable by this service's user only.
            with os.fdopen(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
                out.write(encode(entry))
                out.flush()
                os.fsync(out.fileno())
            try:
                # A hard link never replaces: of two concurrent puts of one key, the first stays.
                os.link(temp, final)
            except FileExistsError:
                if stored := self.find(entry.key):
                    return stored
                self._set_aside(final)  # unreadable: kept under another name, ours takes its place
                os.replace(temp, final)
            except OSError:  # a file system without hard links
                os.replace(temp, final)
        finally:
            temp.unlink(missing_ok=True)
        _fsync_directory(self.directory)
        return entry

    def _set_aside(self, path: Path) -> None:
        aside = path.with_name(f"{path.name}.unreadable-{secrets.token_hex(4)}")
        logger.warning("spool file %s is unreadable; kept as %s", path.name, aside.name)
        with suppress(FileNotFoundError):
            os.replace(path, aside)

    def read(self, path: Path) -> SpooledRequest:
        return decode(path.read_bytes())

    def find(self, key: str) -> SpooledRequest | None:
        path = self.path_for(key)
        try:
            return self.read(path)
        except FileNotFoundError:
            return None
        except CorruptEntry as error:
            logger.warning("spool file %s is unreadable (%s); kept for inspection", path.name, error)
            return None

    def entries(self) -> Iterator[tuple[Path, SpooledRequest]]:
        """Readable entries, oldest file first; unreadable ones are logged and left in place."""
        if not self.directory.is_dir():
            return
        paths = [p for p in self.directory.iterdir() if p.suffix == _SUFFIX and not p.name.startswith(".")]
        for path in sorted(paths, key=_mtime):
            try:
                yield path, self.read(path)
            except FileNotFoundError:  # drained by another worker meanwhile
                continue
            except (CorruptEntry, OSError) as error:
                logger.warning("spool file %s is unreadable (%s); kept for inspection", path.name, error)

    def remove(self, path: Path) -> None:
        """Forget an entry once the database holds it."""
        try:
            path.unlink()
        except FileNotFoundError:
            return
        _fsync_directory(self.directory)

    def __len__(self) -> int:
        return sum(1 for _ in self.entries())


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0
