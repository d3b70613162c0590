"""Orders to do at the visit: tests, medications and vaccines put on it.

``items`` says what can be ordered (every point-of-care test and product of the
catalogs, coded as FHIR will carry it) and resolves the clinic's standing orders;
``orders`` holds the use cases: a provider's order, a standing order placed by the
MA, cancelling one, the open orders of a visit and the count the queue shows.
The domains that *do* an order (``ma_tui.labs`` for a test, ``ma_tui.immunizations``
for a dose) call :func:`ma_tui.orders.orders.complete_order` inside their own
transaction, so the result and the order's *done* commit together.
"""
