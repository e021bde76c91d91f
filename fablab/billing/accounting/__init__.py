"""Accounting: chart of accounts, double-entry journals, FEC, VAT report, period closings."""
