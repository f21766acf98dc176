// Walking Diary: the walk and check-in forms as interchange entries (diary/entries.py),
// for logging with no connection. The rules are those of server/forms.py
// read_walk / read_check_in, so an entry sent later is what the form would have saved.
// No DOM: pages use window.DiaryEntry, the service worker importScripts() it,
// and `node --test tests/js/` loads it with require().
"use strict";
(function (root, factory) {
  if (typeof module === "object" && module.exports) module.exports = factory();
  else root.DiaryEntry = factory();
})(typeof self !== "undefined" ? self : this, function () {
  var METRES_PER_YARD = 0.9144;
  var DEFAULT_PACE_M_PER_MIN = 50; // diary/units.py; the server may send the patient's own pace
  var UNITS = ["m", "yd", "min"];

  // Plain words beside the field (server/forms.py FRIENDLY).
  var MESSAGES = {
    distance_m: "Choose or type how far you walked: 0 to 100,000 metres, or up to 1,440 minutes.",
    pain_onset_m: "Pain can't start further than the whole walk. Check both distances.",
    pain_onset_missing: "Choose or type how far you had walked when the pain began.",
    walked_at: "Enter when the walk started (not more than a day ahead).",
    recorded_at: "Enter when this happened (not more than a day ahead).",
    relief_minutes: "Enter minutes from 0 to 720.",
    pain_score: "Choose a number from 0 to 10.",
    wound_days: "Enter a number of days from 0 to 3,650.",
    note: "Please keep the note under 2,000 characters.",
  };

  // [[name, value], ...] (a FormData's entries) as a lookup with every value of a name.
  function fields(pairs) {
    var all = {};
    (pairs || []).forEach(function (pair) {
      var name = pair[0];
      var value = typeof pair[1] === "string" ? pair[1] : "";
      (all[name] = all[name] || []).push(value);
    });
    return {
      text: function (name) { return all[name] ? all[name][0].trim() : ""; },
      all: function (name) { return all[name] ? all[name].slice() : []; },
    };
  }

  // A number as Python's float() reads it after removing commas; text that is
  // not a number is kept, for validation to name the field.
  function number(text) {
    if (!text) return null;
    var cleaned = text.replace(/,/g, "").trim();
    if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(cleaned)) return Number(cleaned);
    return text;
  }

  function isNumber(x) { return typeof x === "number" && isFinite(x); }

  function round1(x) { return Math.round(x * 10) / 10; }

  function toMetres(value, unit, pace) {
    if (unit === "m") return value;
    if (unit === "yd") return round1(value * METRES_PER_YARD);
    return round1(value * pace);
  }

  // Offset in minutes of a time zone at an instant (east of UTC positive).
  function offsetMinutes(instantMs, timeZone) {
    if (!timeZone) return -new Date(instantMs).getTimezoneOffset();
    var parts = {};
    new Intl.DateTimeFormat("en-GB", {
      timeZone: timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit",
    }).formatToParts(new Date(instantMs)).forEach(function (p) { parts[p.type] = p.value; });
    var asUtc = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
    return Math.round((asUtc - Math.floor(instantMs / 1000) * 1000) / 60000);
  }

  function pad(n, width) { var s = String(Math.abs(n)); while (s.length < (width || 2)) s = "0" + s; return s; }

  // "2026-11-20T10:30" (a datetime-local input) in a time zone, as ISO 8601 with its offset.
  // Returns null for text that is not a date and time.
  function zonedIso(local, timeZone) {
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(local || "");
    if (!m) return null;
    var y = +m[1], mo = +m[2], d = +m[3], h = +m[4], mi = +m[5];
    var naive = Date.UTC(y, mo - 1, d, h, mi);
    var check = new Date(naive);
    if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59) return null;
    // The offset in force at that wall-clock time (two passes settle a DST change).
    var offset = offsetMinutes(naive, timeZone);
    offset = offsetMinutes(naive - offset * 60000, timeZone);
    var sign = offset < 0 ? "-" : "+";
    return m[1] + "-" + m[2] + "-" + m[3] + "T" + m[4] + ":" + m[5] + ":00" + sign +
      pad(Math.floor(Math.abs(offset) / 60)) + ":" + pad(Math.abs(offset) % 60);
  }

  // An instant as a datetime-local value in a time zone (server/forms.py local_now).
  function localInput(date, timeZone) {
    var ms = date.getTime();
    var shifted = new Date(ms + offsetMinutes(ms, timeZone) * 60000);
    return shifted.getUTCFullYear() + "-" + pad(shifted.getUTCMonth() + 1) + "-" + pad(shifted.getUTCDate()) +
      "T" + pad(shifted.getUTCHours()) + ":" + pad(shifted.getUTCMinutes());
  }

  function when(text, timeZone, now) {
    if (!text) return now.toISOString();
    return zonedIso(text.slice(0, 16), timeZone) || text;
  }

  function distanceFields(metresField, minutesField, value, unit, pace) {
    var out = {};
    if (!isNumber(value)) { out[metresField] = value; return out; }
    if (unit === "min") out[minutesField] = value;
    out[metresField] = toMetres(value, unit, pace);
    return out;
  }

  function newId() {
    if (typeof crypto !== "undefined" && crypto.randomUUID) return crypto.randomUUID();
    return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
      return (c ^ (Math.random() * 16) >> (c / 4)).toString(16);
    });
  }

  // read_walk: quick choices are metres; the unit applies to a typed value;
  // minutes are kept and turned into metres at the pace given.
  function readWalk(pairs, options) {
    var o = options || {};
    var f = fields(pairs);
    var now = o.now || new Date();
    var pace = o.pace || DEFAULT_PACE_M_PER_MIN;
    var unit = UNITS.indexOf(f.text("unit")) >= 0 ? f.text("unit") : "m";
    var hadPain = f.text("had_pain") !== "no";
    var typedUnit = f.text("distance_m_exact") ? unit : "m";
    var distance = number(f.text("distance_m_exact") || f.text("distance_m"));
    var onsetUnit = f.text("pain_onset_m_exact") ? unit : "m";
    var onset = hadPain ? number(f.text("pain_onset_m_exact") || f.text("pain_onset_m")) : null;
    var data = {
      type: "walk",
      id: f.text("id") || newId(),
      walked_at: when(f.text("walked_at"), o.timeZone, now),
      stopped_by_pain: hadPain && f.text("stopped_by_pain") === "yes",
      relief: f.text("relief") || (!hadPain ? "no_pain" : null),
      relief_minutes: hadPain ? number(f.text("relief_minutes")) : null,
      pain_sites: hadPain ? f.all("pain_sites") : [],
      side: hadPain ? (f.text("side") || null) : null,
      sensations: hadPain ? f.all("sensations") : [],
      terrain: f.text("terrain") || "flat",
      pain_score: f.text("pain_score") ? number(f.text("pain_score")) : (!hadPain ? 0 : null),
      source: f.text("source") || "manual",
      note: f.text("note"),
    };
    if (f.text("source") === "gps" && f.text("duration_min")) {
      data.duration_min = number(f.text("duration_min"));
      // The phone timed when the pain began: kept as measured (as server/forms.py does).
      if (hadPain && f.text("pain_onset_min")) data.pain_onset_min = number(f.text("pain_onset_min"));
    }
    clock(f, data);
    assign(data, distanceFields("distance_m", "duration_min", distance, typedUnit, pace));
    assign(data, distanceFields("pain_onset_m", "pain_onset_min", onset, onsetUnit, pace));
    if ((typedUnit === "min" || onsetUnit === "min") && (distance !== null || onset !== null)) {
      data.distance_estimated = true;
    }
    var errors = {};
    if (hadPain && onset === null) errors.pain_onset_m = MESSAGES.pain_onset_missing;
    return finish(data, check(data, errors, now, o.clockOffset));
  }

  // The correction for the phone's clock the page put in the form (offline.js),
  // as server/forms.py reads it.
  function clock(f, data) {
    var offset = number(f.text("clock_offset_s"));
    if (offset !== null) data.clock_offset_s = offset;
  }

  function yes(f, name) { return ["yes", "on", "true", "1"].indexOf(f.text(name)) >= 0; }

  function readCheckIn(pairs, options) {
    var o = options || {};
    var f = fields(pairs);
    var now = o.now || new Date();
    var restPain = f.text("rest_pain") === "yes";
    var wound = f.text("wound") === "yes";
    var data = {
      type: "check_in",
      id: f.text("id") || newId(),
      recorded_at: when(f.text("recorded_at"), o.timeZone, now),
      rest_pain: restPain,
      rest_pain_at_night: restPain && yes(f, "rest_pain_at_night"),
      eased_by_hanging_leg: restPain && yes(f, "eased_by_hanging_leg"),
      wound: wound,
      wound_days: wound ? number(f.text("wound_days")) : null,
      colour_change: f.text("colour_change") || null,
      cold_foot: yes(f, "cold_foot"),
      sudden_onset: yes(f, "sudden_onset"),
      note: f.text("note"),
    };
    clock(f, data);
    return finish(data, check(data, {}, now, o.clockOffset));
  }

  function assign(target, source) { Object.keys(source).forEach(function (k) { target[k] = source[k]; }); }

  function finish(entry, errors) {
    return { entry: entry, errors: errors, ok: Object.keys(errors).length === 0 };
  }

  function inRange(x, low, high) { return x === null || x === undefined || (isNumber(x) && x >= low && x <= high); }

  // The checks a phone can make before keeping an entry: the ones a patient
  // can fix on the spot. The server checks everything again when it arrives.
  // clockOffset: how far the phone's clock is behind the server's, in seconds;
  // the entry's time is judged corrected (by its clock_offset_s) against the
  // corrected now, as the server judges it.
  function check(e, errors, now, clockOffset) {
    function bad(field, message) { if (!errors[field]) errors[field] = message; }
    var at = e.type === "walk" ? "walked_at" : "recorded_at";
    var time = Date.parse(e[at]) + (isNumber(e.clock_offset_s) ? e.clock_offset_s * 1000 : 0);
    var realNow = now.getTime() + (isNumber(clockOffset) ? clockOffset * 1000 : 0);
    if (isNaN(time) || time - realNow > 24 * 3600 * 1000) bad(at, MESSAGES[at]);
    if (String(e.note).length > 2000) bad("note", MESSAGES.note);
    if (e.type === "check_in") {
      if (!inRange(e.wound_days, 0, 3650) || (isNumber(e.wound_days) && e.wound_days % 1)) bad("wound_days", MESSAGES.wound_days);
      return errors;
    }
    if (!isNumber(e.distance_m) || !inRange(e.distance_m, 0, 100000) || !inRange(e.duration_min, 0, 1440)) {
      bad("distance_m", MESSAGES.distance_m);
    }
    if (!inRange(e.pain_onset_m, 0, 100000) || !inRange(e.pain_onset_min, 0, 1440) ||
        (isNumber(e.pain_onset_m) && isNumber(e.distance_m) && e.pain_onset_m > e.distance_m)) {
      bad("pain_onset_m", MESSAGES.pain_onset_m);
    }
    if (!inRange(e.relief_minutes, 0, 720)) bad("relief_minutes", MESSAGES.relief_minutes);
    if (!inRange(e.pain_score, 0, 10) || (isNumber(e.pain_score) && e.pain_score % 1)) bad("pain_score", MESSAGES.pain_score);
    return errors;
  }

  // diary/advice.py advice_for: which safety advice a check-in answers with at once.
  function adviceLevel(entry) {
    if (!entry || entry.type !== "check_in") return null;
    if (entry.sudden_onset) return "emergency";
    if (entry.rest_pain || entry.wound || entry.colour_change) return "urgent";
    return null;
  }

  function metres(x) { return isNumber(x) ? Math.round(x).toLocaleString("en-GB") + "\u00a0m" : "?"; }

  // A few plain words about an entry, to name it to the patient on the phone.
  function words(entry) {
    if (!entry) return "";
    if (entry.type === "walk") {
      if (!isNumber(entry.distance_m)) return "";
      return metres(entry.distance_m) + (isNumber(entry.pain_onset_m) ? ", pain began at " + metres(entry.pain_onset_m)
        : entry.relief === "no_pain" || entry.pain_onset_m === null ? ", no pain" : "");
    }
    if (entry.type !== "check_in") return "";
    var signs = [];
    if (entry.sudden_onset) signs.push("a sudden change in the leg");
    if (entry.rest_pain) signs.push("pain at rest");
    if (entry.wound) signs.push("a wound");
    if (entry.colour_change) signs.push("colour change: " + entry.colour_change);
    if (entry.cold_foot) signs.push("a cold foot");
    return signs.length ? signs.join(", ") : ("rest_pain" in entry ? "no warning signs" : "");
  }

  return {
    DEFAULT_PACE_M_PER_MIN: DEFAULT_PACE_M_PER_MIN, MESSAGES: MESSAGES, words: words,
    readWalk: readWalk, readCheckIn: readCheckIn, adviceLevel: adviceLevel,
    zonedIso: zonedIso, localInput: localInput, number: number, newId: newId,
  };
});
