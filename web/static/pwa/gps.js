// Walking Diary: the "Start a walk" screen. The phone measures the walk with
// the Geolocation API and fills in the walk form when the patient stops.
// Only the distance and the times are kept; the route itself is never stored.
// Needs distance.js (DiaryDistance) and entry.js (DiaryEntry), loaded before it.
"use strict";
(function () {
  var D = window.DiaryDistance;
  var E = window.DiaryEntry;

  function start() {
    var root = document.querySelector("[data-gps]");
    var form = document.getElementById("walk-form");
    if (!root || !form || !D || !E) return;
    var $ = function (id) { return document.getElementById(id); };
    var ui = {
      state: $("gps-state"), distance: $("gps-distance"), time: $("gps-time"), onset: $("gps-onset"),
      start: $("gps-start"), pain: $("gps-pain"), stop: $("gps-stop"),
      unavailable: $("gps-unavailable"), problem: $("gps-problem"), manual: $("gps-manual"),
    };
    var walk = null; // {tracker, startedAt, watchId, timer, lock}

    $("gps-nojs").hidden = true;
    root.hidden = false;
    form.hidden = true;

    function seconds() { return walk ? (Date.now() - walk.startedAt) / 1000 : 0; }

    function say(text) { ui.state.textContent = text; }

    function show(which) {
      ui.start.hidden = which !== "ready";
      ui.pain.hidden = which !== "walking";
      ui.stop.hidden = which !== "walking";
    }

    function tick() {
      ui.time.textContent = D.formatDuration(seconds());
    }

    function keepAwake() {
      if (!walk || !navigator.wakeLock || document.visibilityState !== "visible") return;
      navigator.wakeLock.request("screen").then(function (lock) {
        // The browser lets go of the lock when the page is hidden; take it again on return.
        lock.addEventListener("release", function () { if (walk && walk.lock === lock) walk.lock = null; });
        if (walk) walk.lock = lock; else lock.release();
      }).catch(function () { /* the screen may sleep; the walk is still measured while the page is open */ });
    }

    function unavailable(message) {
      stopWatching();
      walk = null;
      show("none");
      ui.problem.textContent = message;
      ui.unavailable.hidden = false;
      say("The phone cannot measure this walk.");
      form.querySelector('input[name="source"]').value = "manual";
      form.hidden = false;
    }

    var received = 0;
    function onFix(position) {
      received += 1;
      if (!walk) return;
      walk.lastFixAt = Date.now();
      var c = position.coords;
      var result = walk.tracker.add({
        lat: c.latitude, lon: c.longitude, accuracy: c.accuracy, t: position.timestamp, received: Date.now(),
      });
      ui.distance.textContent = D.formatDistance(walk.tracker.distance);
      if (walk.tracker.fixes === 0) {
        say("Waiting for a good GPS signal. Walk on if you like; it starts counting as soon as the signal is good.");
      } else if (result.accepted && !walk.measuring) {
        walk.measuring = true;
        say("Measuring. Tap Pain started when the pain begins, and Stop when you stop.");
      }
    }

    function onError(error) {
      if (!walk) return;
      if (error.code === 1) {
        unavailable("Location is turned off for this site, so the phone cannot measure your walk. " +
          "To use it next time, allow location for this site in your phone's settings.");
      } else if (!walk.lastFixAt || Date.now() - walk.lastFixAt > 15000) {
        // A moment without a fix is normal; only a lasting gap is worth saying.
        walk.measuring = false; // the next good fix says so again
        say("No GPS signal yet. Stay outdoors and keep this page open; it keeps trying.");
      }
    }

    function begin() {
      if (!navigator.geolocation) {
        unavailable("This phone or browser cannot share its location, so it cannot measure your walk.");
        return;
      }
      walk = {
        tracker: D.createTracker(), startedAt: Date.now(), watchId: null, timer: null, lock: null,
        measuring: false, lastFixAt: null,
      };
      walk.watchId = navigator.geolocation.watchPosition(onFix, onError, {
        enableHighAccuracy: true, maximumAge: 0, timeout: 30000,
      });
      walk.timer = window.setInterval(tick, 1000);
      keepAwake();
      show("walking");
      ui.pain.disabled = false;
      ui.pain.textContent = "Pain started";
      say("Finding your position…");
      tick();
      ui.pain.focus();
    }

    function stopWatching() {
      if (!walk) return;
      if (walk.watchId !== null && navigator.geolocation) navigator.geolocation.clearWatch(walk.watchId);
      window.clearInterval(walk.timer);
      if (walk.lock) walk.lock.release().catch(function () {});
      walk.lock = null;
    }

    function painStarted() {
      if (!walk) return;
      var onset = walk.tracker.painStarted(seconds());
      ui.onset.textContent = "Pain started at " + D.formatDistance(onset.distance) + ", after " +
        D.formatDuration(onset.seconds) + ".";
      ui.onset.hidden = false;
      ui.pain.disabled = true;
      ui.pain.textContent = "Pain noted";
      ui.stop.focus();
    }

    function set(name, value) {
      var input = form.querySelector('[name="' + name + '"]');
      if (input) input.value = value;
    }

    function check(name, value) {
      form.querySelectorAll('input[name="' + name + '"]').forEach(function (r) { r.checked = r.value === value; });
    }

    // Fill in the walk form with what the phone measured.
    function finish() {
      if (!walk) return;
      var elapsed = seconds();
      stopWatching();
      var t = walk.tracker;
      var measured = t.fixes > 1;
      var tz = form.getAttribute("data-timezone") || null;
      set("source", measured ? "gps" : "manual");
      set("walked_at", E.localInput(new Date(walk.startedAt), tz));
      // Read from the phone's clock: corrected if that clock is out (offline.js).
      form.querySelector('input[name="walked_at"]').setAttribute("data-phone-clock", "");
      set("duration_min", measured ? String(Math.round(elapsed / 6) / 10) : "");
      set("unit", "m");
      check("distance_m", "");
      set("distance_m_exact", measured ? String(Math.round(t.distance)) : "");
      check("pain_onset_m", "");
      if (t.onset) {
        check("had_pain", "yes");
        set("pain_onset_m_exact", String(Math.round(t.onset.distance)));
        set("pain_onset_min", measured ? String(Math.round(t.onset.seconds / 6) / 10) : "");
      } else {
        check("had_pain", "no");
        set("pain_onset_m_exact", "");
        set("pain_onset_min", "");
      }
      form.dispatchEvent(new Event("change", { bubbles: true }));
      show("none");
      form.hidden = false;
      say(measured
        ? "You walked " + D.formatDistance(t.distance) + " in " + D.formatDuration(elapsed) + ". " +
          (t.onset ? "Now say what eased the pain, then Save walk." : "Check the form, then Save walk.")
        : "The phone could not measure the distance this time. Please enter it below.");
      walk = null;
      var next = form.querySelector(t.onset ? 'input[name="stopped_by_pain"]' : 'button[type="submit"]');
      (next || form).scrollIntoView({ block: "center" });
      ui.state.setAttribute("tabindex", "-1");
      ui.state.focus({ preventScroll: true });
    }

    // Kept on the phone with no connection: ready for another walk.
    form.addEventListener("diary:kept", function () {
      ui.distance.textContent = D.formatDistance(0);
      ui.time.textContent = D.formatDuration(0);
      ui.onset.hidden = true;
      form.hidden = true;
      show("ready");
      say("Tap Start when you set off on your next walk.");
    });

    ui.start.addEventListener("click", begin);
    ui.pain.addEventListener("click", painStarted);
    ui.stop.addEventListener("click", finish);
    ui.manual.addEventListener("click", function () { form.hidden = false; });
    document.addEventListener("visibilitychange", function () { if (walk && !walk.lock) keepAwake(); });
    window.addEventListener("beforeunload", function (event) {
      if (walk) { event.preventDefault(); event.returnValue = ""; }
    });
    window.DiaryGps = {
      active: function () { return walk !== null; },
      received: function () { return received; }, // location fixes seen (tests wait on it)
    };
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
