"""The instrument sterilization log: autoclave loads, their packs, who got which pack.

``loads`` records each load (sterilizer, cycle, temperature, pressure, exposure, the
chemical and biological indicators, who ran and who released it), labels its packs
(``L42-007``) and refuses a release before the indicators allow it; ``recall``
lists every patient whose packs came from a sterilizer's loads since its last
passing biological indicator; ``export`` writes the log as CSV for an inspector.
"""
