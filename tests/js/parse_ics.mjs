// Parse an iCalendar file with ical.js (the parser inside Thunderbird) and print
// what a calendar app would show, as JSON: node tests/js/parse_ics.mjs FILE
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const text = readFileSync(process.argv[2], "utf8");
const root = new ICAL.Component(ICAL.parse(text));

const zones = root.getAllSubcomponents("vtimezone").map((vtimezone) => {
  const zone = new ICAL.Timezone(vtimezone);
  ICAL.TimezoneService.register(zone);
  return zone.tzid;
});

const instant = (time) => (time ? time.toJSDate().toISOString() : null);

const events = root.getAllSubcomponents("vevent").map((vevent) => {
  const event = new ICAL.Event(vevent);
  return {
    uid: event.uid,
    summary: event.summary,
    description: event.description,
    location: event.location,
    sequence: event.sequence,
    status: vevent.getFirstPropertyValue("status"),
    start: instant(event.startDate),
    end: instant(event.endDate),
    start_zone: event.startDate ? event.startDate.zone.tzid : null,
  };
});

console.log(
  JSON.stringify({
    name: root.getFirstPropertyValue("x-wr-calname"),
    timezone: root.getFirstPropertyValue("x-wr-timezone"),
    refresh: String(root.getFirstPropertyValue("refresh-interval")),
    zones,
    events,
  }),
);
