"""The clinic's FHIR settings: its MRNs' identifier system, its export folder, its id.

``mrn-system`` is the identifier system of the clinic's MRNs, the URI its EHR gives
them (``urn:oid:...``), which FHIR export writes and import matches. ``export-folder``
is where the review screen's one-key export writes visits (an absolute folder, e.g.
the interface engine's pickup folder); by default ma-tui's data folder. Each database
also gets a UUID of its own, on first use, that exported resource ids are made from,
so two clinics' exports never share an id. Where and how a setting is kept, and its
audit event: ``ma_tui.clinic.settings``.
"""

from __future__ import annotations

import os
import re
import stat
import uuid
from pathlib import Path
from typing import Literal

from platformdirs import user_data_path
from sqlmodel import Session

from ma_tui.clinic.settings import (
    SettingChange,
    SettingError,
    quoted,
    read_setting,
    spelled,
    write_setting,
)
from ma_tui.fhir.codes import DEFAULT_MRN_SYSTEM

FhirSettingName = Literal["mrn-system", "export-folder"]

MRN_SYSTEM_KEY = "fhir_mrn_system"
CLINIC_ID_KEY = "fhir_clinic_id"
EXPORT_FOLDER_KEY = "fhir_export_folder"
URI_MAX = 255
PATH_MAX = 1000
# An absolute URI without spaces: scheme, colon, the rest (urn:oid:1.2.3, https://...).
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]+")


def fhir_setting_named(text: str) -> FhirSettingName | None:
    """``mrn-system`` or ``export-folder`` (also ``MRN_System``, ``export folder``), else None."""
    wanted = spelled(text)
    if wanted == "mrn-system":
        return "mrn-system"
    if wanted == "export-folder":
        return "export-folder"
    return None


def default_export_folder() -> Path:
    return user_data_path("ma-tui", appauthor=False) / "exports"


def parse_export_folder(text: str) -> str:
    """An absolute folder path; it need not exist yet (the export makes it)."""
    folder = text.strip()
    if not folder or len(folder) > PATH_MAX or not Path(folder).is_absolute():
        raise SettingError(f"export-folder is an absolute folder path, not {quoted(text)}")
    if any(ord(ch) < 32 for ch in folder):
        raise SettingError("export-folder may not hold control characters")
    return folder


def export_folder_problem(folder: Path) -> str | None:
    """Why ``folder`` may not hold exports, which are plaintext PHI; None when it may.

    It must be a folder of the user ma-tui runs as (the clinic's service account)
    that no other user can read or enter; one that does not exist yet is made so
    (mode 0700) by the first export. ``/tmp``, a file, or a folder open to every
    user of the machine is refused.
    """
    try:
        info = folder.stat()
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        return f"it cannot be used ({getattr(exc, 'strerror', None) or exc})"
    if not stat.S_ISDIR(info.st_mode):
        return "it is not a folder"
    if info.st_uid != os.geteuid():
        return "it belongs to another user: use a folder of the account ma-tui runs as"
    if info.st_mode & 0o007:
        mode = stat.S_IMODE(info.st_mode)
        return (
            f"every user of this machine may open it (mode {mode:04o}): "
            "chmod o-rwx it, or choose a folder of your own"
        )
    return None


def read_export_folder(session: Session) -> Path:
    """Where one-key visit exports go: the clinic's folder, else ma-tui's own."""
    stored = read_setting(session, EXPORT_FOLDER_KEY)
    try:
        return Path(parse_export_folder(stored)) if stored is not None else default_export_folder()
    except SettingError:
        return default_export_folder()


def parse_mrn_system(text: str) -> str:
    """An absolute URI (``urn:oid:2.16.840.1.113883.3.1234``, ``https://ehr.example/mrn``)."""
    uri = text.strip()
    if len(uri) > URI_MAX or not _URI.fullmatch(uri):
        raise SettingError(
            f"mrn-system is the URI your EHR gives its MRNs (urn:oid:..., https://...), "
            f"not {quoted(text)}"
        )
    return uri


def read_mrn_system(session: Session) -> str:
    """The clinic's MRN identifier system; ma-tui's own when unset."""
    stored = read_setting(session, MRN_SYSTEM_KEY)
    try:
        return parse_mrn_system(stored) if stored is not None else DEFAULT_MRN_SYSTEM
    except SettingError:
        return DEFAULT_MRN_SYSTEM


def clinic_id(session: Session) -> uuid.UUID:
    """This database's own UUID; made on first use, in the caller's transaction."""
    stored = read_setting(session, CLINIC_ID_KEY)
    if stored is not None:
        try:
            return uuid.UUID(stored)
        except ValueError:
            pass  # damaged by hand: make a new one below
    made = uuid.uuid4()
    write_setting(session, CLINIC_ID_KEY, str(made))
    return made


def fhir_change(setting: FhirSettingName, value: str) -> SettingChange:
    """The MRN system or export folder asked for, checked, ready to store."""
    if setting == "mrn-system":
        uri = parse_mrn_system(value)
        return SettingChange(setting, MRN_SYSTEM_KEY, uri, f"{setting}: {uri}")
    folder = parse_export_folder(value)
    if (problem := export_folder_problem(Path(folder))) is not None:
        raise SettingError(f"export-folder {quoted(folder)} is refused: {problem}")
    return SettingChange(setting, EXPORT_FOLDER_KEY, folder, f"{setting}: {folder}")


def fhir_lines(session: Session) -> list[str]:
    """``mrn-system: ...`` and ``export-folder: ...``, as ``ma-tui settings`` shows them."""
    return [
        f"mrn-system: {read_mrn_system(session)}",
        f"export-folder: {read_export_folder(session)}",
    ]
