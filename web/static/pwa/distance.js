// Walking Diary: the distance of a GPS-measured walk, from the phone's location fixes.
// Plain JavaScript with no DOM: the GPS page uses it as window.DiaryDistance,
// and `node --test tests/js/` loads it with require().
"use strict";
(function (root, factory) {
  if (typeof module === "object" && module.exports) module.exports = factory();
  else root.DiaryDistance = factory();
})(typeof self !== "undefined" ? self : this, function () {
  var EARTH_RADIUS_M = 6371008.8; // mean radius (IUGG)

  var DEFAULTS = {
    maxAccuracyM: 25,   // ignore fixes less accurate than this
    maxSpeedMPerS: 2.5, // faster than a brisk walk (9 km/h): a GPS jump, not the patient
    minStepM: 3,        // smaller moves are jitter while standing still...
    jitterShare: 1,     // ...and so are moves within the fixes' stated accuracy
    reanchorAfter: 3,   // this many "too fast" fixes in a row: the first good fix was the jump
  };

  function toRad(deg) { return (deg * Math.PI) / 180; }

  // Great-circle distance in metres between two {lat, lon} points in degrees.
  function haversine(a, b) {
    var dLat = toRad(b.lat - a.lat);
    var dLon = toRad(b.lon - a.lon);
    var h = Math.sin(dLat / 2) * Math.sin(dLat / 2) +
      Math.cos(toRad(a.lat)) * Math.cos(toRad(b.lat)) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
    return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
  }

  // Seconds between two fixes: the larger of the gap between the fixes' own
  // timestamps and the gap between their arrival on the page. A phone that
  // delivers late fixes in a burst is then not mistaken for a runner.
  function secondsBetween(a, b) {
    var gap = (b.t - a.t) / 1000;
    if (a.received != null && b.received != null) gap = Math.max(gap, (b.received - a.received) / 1000);
    return gap;
  }

  // A tracker sums the distance between accepted fixes.
  // add({lat, lon, accuracy, t, received}) returns {accepted, reason, distance}.
  function createTracker(options) {
    var o = {};
    Object.keys(DEFAULTS).forEach(function (k) {
      o[k] = options && options[k] != null ? options[k] : DEFAULTS[k];
    });
    var anchor = null;   // the last fix counted
    var tooFast = [];    // consecutive fixes refused as too fast
    var state = { distance: 0, fixes: 0, onset: null };

    function add(fix) {
      if (!fix || !isFinite(fix.lat) || !isFinite(fix.lon)) return { accepted: false, reason: "invalid", distance: state.distance };
      if (fix.accuracy == null || !(fix.accuracy <= o.maxAccuracyM)) {
        return { accepted: false, reason: "inaccurate", distance: state.distance };
      }
      if (anchor === null) {
        anchor = fix;
        state.fixes += 1;
        return { accepted: true, reason: "first", distance: state.distance };
      }
      var step = haversine(anchor, fix);
      var jitter = Math.max(o.minStepM, o.jitterShare * Math.max(anchor.accuracy, fix.accuracy));
      if (step < jitter) return { accepted: false, reason: "jitter", distance: state.distance };
      var seconds = secondsBetween(anchor, fix);
      if (seconds <= 0 || step / seconds > o.maxSpeedMPerS) {
        tooFast.push(fix);
        if (tooFast.length >= o.reanchorAfter && consistent(tooFast)) {
          anchor = fix; // start again from here, adding nothing for the jump
          tooFast = [];
          return { accepted: false, reason: "reanchored", distance: state.distance };
        }
        return { accepted: false, reason: "too-fast", distance: state.distance };
      }
      tooFast = [];
      state.distance += step;
      state.fixes += 1;
      anchor = fix;
      return { accepted: true, reason: "moved", distance: state.distance };
    }

    // The refused fixes agree with each other at walking speed.
    function consistent(fixes) {
      for (var i = 1; i < fixes.length; i++) {
        var s = secondsBetween(fixes[i - 1], fixes[i]);
        if (s <= 0 || haversine(fixes[i - 1], fixes[i]) / s > o.maxSpeedMPerS) return false;
      }
      return true;
    }

    // "Pain started": the distance so far and the seconds since the start.
    function painStarted(secondsSinceStart) {
      if (state.onset === null) state.onset = { distance: state.distance, seconds: secondsSinceStart };
      return state.onset;
    }

    return {
      add: add,
      painStarted: painStarted,
      get distance() { return state.distance; },
      get fixes() { return state.fixes; },
      get onset() { return state.onset; },
    };
  }

  // "850 m", "1.2 km": the same rounding as the diary pages.
  function formatDistance(metres) {
    if (metres < 1000) return Math.round(metres) + " m";
    return (Math.round(metres / 10) / 100).toString() + " km";
  }

  // "4:05" for minutes and seconds, "1:02:03" past the hour.
  function formatDuration(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    var h = Math.floor(s / 3600);
    var m = Math.floor((s % 3600) / 60);
    var rest = s % 60;
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return h ? h + ":" + pad(m) + ":" + pad(rest) : m + ":" + pad(rest);
  }

  return {
    DEFAULTS: DEFAULTS, haversine: haversine, createTracker: createTracker,
    formatDistance: formatDistance, formatDuration: formatDuration,
  };
});
