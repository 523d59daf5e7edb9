"""UK postcodes and their districts (the outward half: N16 of N16 7AA).

A CLP is defined by its postcode districts, so what counts as a postcode, and which district one
is in, is decided here for every app: workplaces, picket lines and subscribers alike.
"""

import re

from django.core.exceptions import ValidationError

POSTCODE_RE = re.compile(r"^([A-Z]{1,2}[0-9][0-9A-Z]?)\s*([0-9][A-Z]{2})$")
DISTRICT_RE = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?$")


def is_postcode(postcode: str) -> bool:
    """Whether the text is a UK postcode, in any case, with or without its space."""
    return POSTCODE_RE.match(postcode.strip().upper()) is not None


def postcode_district(postcode: str) -> str:
    """'n16 7aa' -> 'N16'; '' for a postcode that does not parse."""
    match = POSTCODE_RE.match(postcode.strip().upper())
    return match.group(1) if match else ""


def clean_postcode(postcode: str) -> str:
    """A form's postcode: blank, or a UK postcode in capitals; ValidationError otherwise."""
    postcode = postcode.strip().upper()
    if postcode and not POSTCODE_RE.match(postcode):
        raise ValidationError("That is not a UK postcode: write it like N16 7AA.")
    return postcode


def normalise_postcode(postcode: str) -> str:
    """'n167aa' -> 'N16 7AA'; text that is not a postcode is only put in capitals."""
    match = POSTCODE_RE.match(postcode.strip().upper())
    return f"{match.group(1)} {match.group(2)}" if match else postcode.strip().upper()
