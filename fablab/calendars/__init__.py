"""iCalendar feeds of bookings and events, and imports of external calendars."""
