"""Checking an incoming resource against the FHIR R4B model, before it is imported.

Whether a ``resourceType`` is FHIR at all (ma-tui skips the types it does not
import, and rejects what is no type), and why a resource is not valid FHIR R4B,
in one short line of the report: "birthDate: '1990-02-30' is not a valid date".
"""

from __future__ import annotations

import re
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.domainresource import DomainResource
from fhir.resources.R4B.resource import Resource
from pydantic import ValidationError

from ma_tui.fhir.report import REASON_MAX
from ma_tui.fhir.resources.values import shortened, shown

JSON = dict[str, Any]

_ABSTRACT_TYPES = (Resource, DomainResource)


def is_fhir_resource_type(kind: str) -> bool:
    try:
        model = get_fhir_model_class(kind)
    except ValueError:
        return False
    return issubclass(model, Resource) and model not in _ABSTRACT_TYPES


def model_problem(kind: str, resource: JSON) -> str | None:
    """Why the resource is not valid FHIR R4B, in one short line; None when it is."""
    try:
        get_fhir_model_class(kind).model_validate(resource)
    except ValidationError as invalid:
        problems = [_error_text(error) for error in invalid.errors()[:2]]
        return shortened("; ".join(problems), REASON_MAX)
    return None


_ERROR_WORDS = {
    "date_parsing": "is not a valid date",
    "date_type": "is not a valid date",
    "date_from_datetime_parsing": "is not a valid date",
    "date_from_datetime_inexact": "is not a valid date",
    "datetime_parsing": "is not a valid date and time",
    "datetime_type": "is not a valid date and time",
    "string_type": "is not text",
    "list_type": "is not a list",
    "dict_type": "is not an object",
    "model_type": "is not an object",
    "model_attributes_type": "is not an object",
    "json_invalid": "is not an object",  # text where an element belongs
    "bool_type": "is not true or false",
    "bool_parsing": "is not true or false",
    "int_type": "is not a whole number",
    "int_parsing": "is not a whole number",
    "int_from_float": "is not a whole number",
    "decimal_parsing": "is not a number",
    "decimal_type": "is not a number",
    "float_parsing": "is not a number",
    "float_type": "is not a number",
}
# fhir.resources' own messages: "DateTime value string does not match spec regex.",
# "Value is expected from the instance of CodeableConcept, but got type <class 'list'>".
_PRIMITIVE_ERROR = re.compile(r"(\w+) value string does not match spec regex")
_ELEMENT_ERROR = re.compile(r"expected from the instance of (\w+)")
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _error_text(error: Any) -> str:
    """One pydantic error as "birthDate: '1990-02-30' is not a valid date"."""
    path = _error_path(error.get("loc", ()))
    kind = str(error.get("type", ""))
    value = error.get("input")
    message = str(error.get("msg") or kind).splitlines()[0].removeprefix("Value error, ")
    if kind.endswith("missing"):
        return f"{path} is required"
    if kind == "extra_forbidden":
        return f"{path} is not a field of this resource type"
    if kind == "list_type" and isinstance(value, list):
        return f"{path}: {message}"  # "None is not allowed as an element of note"
    words = _ERROR_WORDS.get(kind) or _fhir_error_words(message)
    return f"{path}: {shown(value)} {words}" if path else words


def _fhir_error_words(message: str) -> str:
    primitive = _PRIMITIVE_ERROR.search(message)
    if primitive:
        return f"is not a valid {primitive.group(1).lower()}"
    element = _ELEMENT_ERROR.search(message)
    if element:
        return f"is not a valid {element.group(1)}"
    return message[:1].lower() + message[1:]


def _error_path(location: Any) -> str:
    """A pydantic location as FHIR paths are written: ``name[0].family``."""
    path = ""
    for part in location if isinstance(location, tuple | list) else ():
        if isinstance(part, int):
            path += f"[{part}]"
        elif part == "root":
            continue  # fhir.resources' wrapper, not a field
        elif not _FIELD_NAME.fullmatch(str(part)):
            path += f"[{shown(str(part))}]"
        else:
            path += f".{part}" if path else str(part)
    return path
