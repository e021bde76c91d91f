"""``flask seed-synthetic``: a realistic, deterministic history of a lab, for benchmarks.

Members and companies join over the years; machines are booked by season (busy in
autumn and spring, quiet in August), each machine's bookings generated one after
the other so two active bookings never overlap; past bookings are completed (with
a usage session and its material), missed or cancelled, each stamped as the
lifecycle would (fablab/bookings/lifecycle.py); events fill with registrations.
Rows go in with bulk inserts (PostgreSQL: ``COPY``), never one ORM object at a
time. The last month is charged and invoiced through the billing services, so
numbering and the hash chain are the real ones.
"""
