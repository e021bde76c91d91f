"""Billing: prices, charges, invoices and credit notes, payments, exports."""
