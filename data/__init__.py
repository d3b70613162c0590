"""Models, store, migrations and reference catalogs. Imports no Textual."""
