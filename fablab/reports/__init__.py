"""Reports: revenue, customers, utilisation, cost recovery and payback, outreach, exports.

Every figure is computed live from the database with aggregate queries (GROUP BY in SQL,
the same on SQLite and PostgreSQL); nothing is precomputed by a nightly batch.
"""
