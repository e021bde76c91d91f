"""Translation catalogue of the booking operations (check-in, waitlist, recurring
bookings, booking mails, scheduler). The code lives in fablab/bookings; the
files to extract are listed in ``i18n-sources``."""
