// Walking Diary: the walk and check-in forms as interchange entries (diary/entries.py),
// for logging with no connection. The rules are those of server/forms.py
// read_walk / read_check_in, so an entry sent later is what the form would have saved.
// The danger signs are read as diary/signs.py reads them, and the safety advice
// is diary/advice.py's, word for word (ADVICE below; tests/server/test_pwa.py checks).
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
    sudden_onset_days_ago: "Choose when it started.",
    colour_change: "Choose no, pale, blue or black.",
    infection_signs: "Choose from the listed signs, or None of these.",
    heart_symptoms: "Choose from the listed feelings, or None of these.",
    cauda_equina_signs: "Choose from the listed changes, or None of these.",
    foot: "Choose cold, numb, or neither.",
  };
  // Answers that contradict each other are asked about (server/forms.py CONTRADICTION).
  var CONTRADICTION = {
    rest_pain: "You answered No, but ticked that the pain comes at night or eases when you hang your leg down. " +
      "Please check: do you have pain in your leg or foot when you are resting?",
    sudden_onset: "You answered No, but chose when it started. Please check: has your leg or foot suddenly " +
      "become painful, pale, cold, numb or weak?",
    wound: "You gave a number of days. Please check: do you have a wound, sore or ulcer now?",
    none: "You ticked None of these and something else too. Please check your answer.",
  };
  var CHOICES = {
    infection_signs: ["spreading_redness", "swelling", "warmth", "pus", "smell", "fever"],
    heart_symptoms: ["chest_pain", "breathless", "palpitations", "faint"],
    cauda_equina_signs: ["saddle_numbness", "bladder_bowel", "legs_weaker"],
    colour_change: ["none", "pale", "blue", "black"],
  };
  var GROUPS = ["infection_signs", "heart_symptoms", "cauda_equina_signs"];
  var ACUTE_DAYS = 14;

  // diary/advice.py phone_json(): the signs worst first with their grade, the words of each,
  // and the phrases for what the patient reported (web/static/pwa/advice.js).
  var ADVICE = typeof module === "object" && module.exports ? require("./advice.js")
    : (typeof self !== "undefined" ? self.DiaryAdvice : null);

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
    var errors = {};
    data.heart_symptoms = group(f, "heart_symptoms", errors);
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
    if (hadPain && onset === null && !errors.pain_onset_m) errors.pain_onset_m = MESSAGES.pain_onset_missing;
    return finish(data, check(data, errors, now, o.clockOffset));
  }

  // The correction for the phone's clock the page put in the form (offline.js),
  // as server/forms.py reads it.
  function clock(f, data) {
    var offset = number(f.text("clock_offset_s"));
    if (offset !== null) data.clock_offset_s = offset;
  }

  function yes(f, name) { return ["yes", "on", "true", "1"].indexOf(f.text(name)) >= 0; }

  // A tick-any group: null when nothing is ticked, [] for "None of these".
  function group(f, name, errors) {
    var ticked = f.all(name).filter(function (v) { return v; });
    if (!ticked.length) return null;
    if (ticked.indexOf("none") >= 0) {
      if (ticked.length > 1 && !errors[name]) errors[name] = CONTRADICTION.none;
      return [];
    }
    return ticked;
  }

  function answer(text) { return text === "yes" ? true : text === "no" ? false : null; }

  // read_check_in: nothing given is dropped; a blank question is null; answers
  // that contradict each other are asked about.
  function readCheckIn(pairs, options) {
    var o = options || {};
    var f = fields(pairs);
    var now = o.now || new Date();
    var errors = {};
    var rest = f.text("rest_pain"), wound = f.text("wound"), colour = f.text("colour_change");
    var sudden = f.text("sudden_onset");
    var night = yes(f, "rest_pain_at_night"), hanging = yes(f, "eased_by_hanging_leg");
    if (rest === "no" && (night || hanging)) errors.rest_pain = CONTRADICTION.rest_pain;
    if (sudden === "no" && f.text("sudden_onset_days_ago")) errors.sudden_onset = CONTRADICTION.sudden_onset;
    if (wound !== "yes" && f.text("wound_days")) errors.wound = CONTRADICTION.wound;
    var foot = group(f, "foot", errors);
    var asked = rest === "yes" || rest === "no";
    var data = {
      type: "check_in",
      id: f.text("id") || newId(),
      recorded_at: when(f.text("recorded_at"), o.timeZone, now),
      rest_pain: answer(rest),
      rest_pain_at_night: night ? true : (asked ? false : null),
      eased_by_hanging_leg: hanging ? true : (asked ? false : null),
      wound: wound === "yes" ? true : (wound === "no" || wound === "healed") ? false : null,
      wound_days: wound === "yes" ? number(f.text("wound_days")) : null,
      wound_healed: wound === "healed" ? true : null,
      colour_change: colour === "" || colour === "healed" ? null : colour,
      colour_healed: colour === "healed" ? true : null,
      cold_foot: foot === null ? null : foot.indexOf("cold") >= 0,
      numb_foot: foot === null ? null : foot.indexOf("numb") >= 0,
      sudden_onset: answer(sudden),
      sudden_onset_days_ago: number(f.text("sudden_onset_days_ago")),
      note: f.text("note"),
    };
    GROUPS.forEach(function (name) { data[name] = group(f, name, errors); });
    if (foot !== null && foot.some(function (v) { return v !== "cold" && v !== "numb"; }) && !errors.foot) {
      errors.foot = MESSAGES.foot;
    }
    clock(f, data);
    // Every problem at once, the questions to answer first (as server/forms.py).
    return finish(data, check(data, errors, now, o.clockOffset));
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
    function whole(x, high) { return inRange(x, 0, high) && !(isNumber(x) && x % 1); }
    function listOf(name) {
      var allowed = CHOICES[name];
      if (e[name] != null && e[name].some(function (v) { return allowed.indexOf(v) < 0; })) bad(name, MESSAGES[name]);
    }
    listOf("heart_symptoms");
    if (e.type === "check_in") {
      if (!whole(e.wound_days, 3650)) bad("wound_days", MESSAGES.wound_days);
      if (!whole(e.sudden_onset_days_ago, 3650)) bad("sudden_onset_days_ago", MESSAGES.sudden_onset_days_ago);
      if (e.colour_change != null && CHOICES.colour_change.indexOf(e.colour_change) < 0) bad("colour_change", MESSAGES.colour_change);
      listOf("infection_signs");
      listOf("cauda_equina_signs");
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

  // ---- the danger signs, read as diary/signs.py reads them ----------------------

  function has(list, value) { return (list || []).indexOf(value) >= 0; }
  function inOrder(list, choices) { return choices.filter(function (c) { return has(list, c); }); }

  function restPain(c) {
    if (c.rest_pain || c.rest_pain_at_night || c.eased_by_hanging_leg) return true;
    return c.rest_pain === false ? false : null;
  }
  function pale(c) { return c.colour_change === "pale"; }
  function dark(c) { return c.colour_change === "blue" || c.colour_change === "black"; }
  function footChanges(c) {
    return [["pale", pale(c)], ["cold", c.cold_foot], ["numb", c.numb_foot]]
      .filter(function (p) { return p[1]; }).map(function (p) { return p[0]; });
  }
  function paleAndCold(c) {
    if (pale(c) && c.cold_foot) return true;
    if (c.cold_foot === false || (c.colour_change != null && c.colour_change !== "pale")) return false;
    return null;
  }
  function sudden(c) {
    return !!(c.sudden_onset || (c.sudden_onset == null && c.sudden_onset_days_ago != null));
  }
  function infection(c) {
    if (c.infection_signs == null) return null;
    var local = c.infection_signs.some(function (s) { return s !== "fever"; });
    return local || (has(c.infection_signs, "fever") && !!c.wound);
  }

  // signs_of(): the codes of the signs an entry reports, worst first.
  function signsOf(entry, diabetes) {
    if (!ADVICE) return [];  // the service worker keeps entries and gives no advice
    var found = {};
    inOrder(entry.heart_symptoms, CHOICES.heart_symptoms).forEach(function (s) { found[s] = true; });
    if (entry.type === "check_in") {
      var c = entry;
      if (sudden(c)) found[(c.sudden_onset_days_ago || 0) >= ACUTE_DAYS ? "sudden_change_late" : "sudden_change"] = true;
      if ((c.cauda_equina_signs || []).length) found.cauda_equina = true;
      if (infection(c)) {
        found[has(c.infection_signs, "fever") ? "infected_wound_unwell" :
          diabetes ? "infected_wound_diabetes" : "infected_wound"] = true;
      }
      if (restPain(c)) {
        found[footChanges(c).length ? "rest_pain_pale_cold_numb" :
          (c.rest_pain_at_night && c.eased_by_hanging_leg) ? "rest_pain_typical" : "rest_pain"] = true;
      } else if (paleAndCold(c) && !sudden(c)) {
        found.pale_cold_foot = true;
      }
      if (c.wound) found.wound = true;
      if (dark(c)) found.dark_toe = true;
    }
    return ADVICE.signs.map(function (s) { return s[0]; }).filter(function (code) { return found[code]; });
  }

  function andList(items) {
    return items.length === 1 ? items[0] : items.slice(0, -1).join(", ") + " and " + items[items.length - 1];
  }
  function days(prefix, n) {
    var P = ADVICE.phrases;
    return (n === 0 || n === 1) && P[prefix + "_" + n] ? P[prefix + "_" + n] : P[prefix + "_n"].replace("{days}", n);
  }

  // reported(): every danger-sign answer as a phrase ("You told us: ...").
  function reported(entry) {
    var P = ADVICE.phrases;
    var said = [];
    var c = entry.type === "check_in" ? entry : null;
    if (c && sudden(c)) {
      said.push(P.sudden_onset + (c.sudden_onset_days_ago == null ? "" : " " + days("sudden", c.sudden_onset_days_ago)));
    }
    inOrder(entry.heart_symptoms, CHOICES.heart_symptoms).forEach(function (s) { said.push(P[s]); });
    if (!c) return said;
    inOrder(c.cauda_equina_signs, CHOICES.cauda_equina_signs).forEach(function (s) { said.push(P[s]); });
    if (restPain(c)) {
      var words = P.rest_pain;
      if (c.rest_pain_at_night) words += ", " + P.at_night;
      if (c.eased_by_hanging_leg) words += ", " + P.eased_by_hanging;
      said.push(words);
    }
    if (c.wound) said.push(P.wound + (c.wound_days ? " " + days("wound", c.wound_days) : ""));
    if (c.wound_healed) said.push(P.wound_healed);
    var local = inOrder(c.infection_signs, CHOICES.infection_signs.slice(0, -1)).map(function (s) { return P[s]; });
    if (local.length) said.push(P.infection.replace("{signs}", andList(local)));
    if (has(c.infection_signs, "fever")) said.push(P.fever);
    if (c.colour_change != null && c.colour_change !== "none") said.push(P.colour.replace("{colour}", c.colour_change));
    if (c.colour_healed) said.push(P.colour_healed);
    if (c.cold_foot) said.push(P.cold_foot);
    if (c.numb_foot) said.push(P.numb_foot);
    return said;
  }

  // advice_for(): the worst grade's title and the words of the signs at that grade.
  var GRADE_RANK = { emergency: 3, same_day: 2, next_contact: 1 };
  function adviceFor(entry, diabetes) {
    if (!entry) return null;
    var codes = signsOf(entry, diabetes);
    var gradeOf = {};
    ADVICE.signs.forEach(function (s) { gradeOf[s[0]] = s[1]; });
    var grade = null;
    codes.forEach(function (code) { if (!grade || GRADE_RANK[gradeOf[code]] > GRADE_RANK[grade]) grade = gradeOf[code]; });
    if (!grade) return null;
    var lines = [];
    codes.forEach(function (code) {
      if (gradeOf[code] !== grade) return;
      ADVICE.words[code].forEach(function (line) { if (lines.indexOf(line) < 0) lines.push(line); });
    });
    if (codes.some(function (code) { return gradeOf[code] !== grade; })) lines.push(ADVICE.also);
    return {
      grade: grade, title: ADVICE.titles[grade], reported: reported(entry), lines: lines, signs: codes,
      closing: ADVICE.closing[grade], calls: grade === "emergency" || grade === "same_day",
    };
  }

  // The grade of the advice an entry answers with (null when none).
  function adviceLevel(entry, diabetes) {
    var advice = entry ? adviceFor(entry, diabetes) : null;
    return advice ? advice.grade : null;
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
    readWalk: readWalk, readCheckIn: readCheckIn, adviceLevel: adviceLevel, adviceFor: adviceFor,
    signsOf: signsOf, reported: reported, ADVICE: ADVICE,
    zonedIso: zonedIso, localInput: localInput, number: number, newId: newId,
  };
});
