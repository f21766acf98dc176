// The walk and check-in forms turned into interchange entries on the phone
// (web/static/pwa/entry.js): the same rules as server/forms.py.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

const require = createRequire(import.meta.url);
const E = require("../../web/static/pwa/entry.js");
const cases = JSON.parse(readFileSync(new URL("./form_cases.json", import.meta.url), "utf8"));
const now = new Date(cases.now);

function read(c) {
  const options = { timeZone: c.timezone, pace: c.pace, now };
  return c.kind === "walk" ? E.readWalk(c.form, options) : E.readCheckIn(c.form, options);
}

for (const c of cases.cases) {
  test(`form case: ${c.name}`, () => {
    const result = read(c);
    if (c.errors) {
      assert.equal(result.ok, false);
      assert.deepEqual(Object.keys(result.errors).sort(), [...c.errors].sort());
      return;
    }
    assert.deepEqual(result.errors, {});
    for (const [key, want] of Object.entries(c.expect || {})) {
      const got = result.entry[key] ?? (key === "distance_estimated" ? false : null);
      if (key.endsWith("_at")) assert.equal(got, want, key);
      else assert.deepEqual(got, want, key);
    }
    if ("signs" in c) assert.deepEqual(E.signsOf(result.entry, c.diabetes ?? null), c.signs);
    if ("advice" in c) assert.equal(E.adviceLevel(result.entry, c.diabetes ?? null), c.advice);
    if ("reported" in c) assert.deepEqual(E.reported(result.entry), c.reported);
  });
}

test("the entry keeps the form's client UUID, or makes one", () => {
  const kept = E.readWalk([["id", "6f1c0a52-3d8e-4d7a-9c55-2b0c1e9a7d01"], ["distance_m", "100"], ["had_pain", "no"]], { now });
  assert.equal(kept.entry.id, "6f1c0a52-3d8e-4d7a-9c55-2b0c1e9a7d01");
  const made = E.readWalk([["distance_m", "100"], ["had_pain", "no"]], { now });
  assert.match(made.entry.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test("no time given means now", () => {
  const { entry } = E.readCheckIn([["rest_pain", "no"]], { now });
  assert.equal(entry.recorded_at, now.toISOString());
});

test("a time that is not a date is passed on for the server to name", () => {
  const { entry } = E.readCheckIn([["recorded_at", "yesterday"]], { now, timeZone: "Europe/London" });
  assert.equal(entry.recorded_at, "yesterday");
  assert.equal(E.zonedIso("2026-02-30T10:00", "Europe/London"), null);
});

test("wall-clock times across the clock changes", () => {
  assert.equal(E.zonedIso("2026-03-29T00:30", "Europe/London"), "2026-03-29T00:30:00+00:00");
  assert.equal(E.zonedIso("2026-03-29T03:30", "Europe/London"), "2026-03-29T03:30:00+01:00");
  assert.equal(E.zonedIso("2026-10-25T12:00", "Europe/London"), "2026-10-25T12:00:00+00:00");
  assert.equal(E.zonedIso("2026-06-01T12:00", "Asia/Kolkata"), "2026-06-01T12:00:00+05:30");
});

test("an instant as a datetime-local value in the clinic's zone", () => {
  const instant = new Date("2026-07-01T09:05:00Z");
  assert.equal(E.localInput(instant, "Europe/London"), "2026-07-01T10:05");
  assert.equal(E.localInput(instant, "America/New_York"), "2026-07-01T05:05");
  assert.equal(E.zonedIso(E.localInput(instant, "Europe/Paris"), "Europe/Paris"), "2026-07-01T11:05:00+02:00");
});

test("numbers are read as the server reads them", () => {
  assert.equal(E.number("1,200"), 1200);
  assert.equal(E.number("12.5"), 12.5);
  assert.equal(E.number(""), null);
  assert.equal(E.number("far"), "far");
});

test("the messages are the server's plain words", () => {
  const { errors } = E.readWalk([["distance_m_exact", "300"], ["pain_onset_m_exact", "450"], ["had_pain", "yes"]], { now });
  assert.equal(errors.pain_onset_m, "Pain can't start further than the whole walk. Check both distances.");
});

test("the form's clock correction is kept on the entry, and the time judged corrected", () => {
  const twoDays = 2 * 86400;
  // A phone two days ahead: its own time would be refused as in the future; corrected, it is now.
  const ahead = new Date(now.getTime() + twoDays * 1000);
  const form = [["walked_at", E.localInput(ahead, "Europe/London")], ["distance_m", "300"], ["had_pain", "no"],
                ["clock_offset_s", String(-twoDays)]];
  const read = E.readWalk(form, { timeZone: "Europe/London", now: ahead, clockOffset: -twoDays });
  assert.equal(read.ok, true, JSON.stringify(read.errors));
  assert.equal(read.entry.clock_offset_s, -twoDays);
  const uncorrected = E.readWalk(form.filter((p) => p[0] !== "clock_offset_s"), { timeZone: "Europe/London", now, clockOffset: 0 });
  assert.deepEqual(Object.keys(uncorrected.errors), ["walked_at"]);
  const none = E.readCheckIn([["rest_pain", "no"], ["clock_offset_s", ""]], { now });
  assert.equal("clock_offset_s" in none.entry, false);
});

test("a few plain words name an entry on the phone", () => {
  assert.equal(E.words({ type: "walk", distance_m: 1200, pain_onset_m: 350.4 }), "1,200\u00a0m, pain began at 350\u00a0m");
  assert.equal(E.words({ type: "walk", distance_m: 500, pain_onset_m: null, relief: "no_pain" }), "500\u00a0m, no pain");
  assert.equal(E.words({ type: "check_in", rest_pain: true, wound: true, colour_change: null }), "pain at rest, a wound");
  assert.equal(E.words({ type: "check_in", rest_pain: false }), "no warning signs");
  assert.equal(E.words({ type: "walk", id: "x" }), ""); // a delete names only the time
});
