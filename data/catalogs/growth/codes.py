"""LOINC codes of the growth percentile observations (value in %, UCUM ``%``).

How each code was confirmed (LOINC's own table cannot be downloaded here):

* 59576-9 "Body mass index (BMI) [Percentile] Per age and sex": loinc.org's own page
  for the term (version 2.76), and US Core's Pediatric BMI for Age profile, which fixes
  this code (note "CDC Males, 2-20 years Chart").
* 77606-2 "Weight-for-length Per age and sex": US Core's Pediatric Weight for Height
  profile fixes this code (birth to 36 months); TW Core uses it with this LOINC display.
* 8289-1 "Head Occipital-frontal circumference Percentile": US Core's Pediatric Head
  Occipital Frontal Circumference Percentile profile fixes this code (birth to 36 months;
  its example's note: "WHO Males, 0-2 years Chart").
* 8336-0 "Body weight [Percentile] Per age": LOINC's display as used by the German
  MII ICU and KBV implementation guides and a LOINC 2024-09 concept table seen in a
  public repository; not seen on loinc.org itself.
* 8303-0 "Body height [Percentile]": a copy of LOINC's table (component Body height,
  property Prctl, scale Qn, no method) in a vendor's documentation, and the German MII
  ICU guide, which uses it for the age-dependent height percentile; LOINC has no
  "per age and sex" variant for height that could be found. Not seen on loinc.org itself.

US Core profiles only the first three; the last two are what LOINC offers for
weight-for-age and length/height-for-age.
"""

from __future__ import annotations

BMI_PERCENTILE = "59576-9"
WEIGHT_FOR_LENGTH_PERCENTILE = "77606-2"
HEAD_CIRCUMFERENCE_PERCENTILE = "8289-1"
WEIGHT_PERCENTILE = "8336-0"
HEIGHT_PERCENTILE = "8303-0"

DISPLAY: dict[str, str] = {
    BMI_PERCENTILE: "Body mass index (BMI) [Percentile] Per age and sex",
    WEIGHT_FOR_LENGTH_PERCENTILE: "Weight-for-length Per age and sex",
    HEAD_CIRCUMFERENCE_PERCENTILE: "Head Occipital-frontal circumference Percentile",
    WEIGHT_PERCENTILE: "Body weight [Percentile] Per age",
    HEIGHT_PERCENTILE: "Body height [Percentile]",
}
PERCENT_UNIT = "%"  # UCUM, as US Core's percentile profiles require
