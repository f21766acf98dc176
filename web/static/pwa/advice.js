// Walking Diary: the safety advice the phone shows with no connection, word for word
// diary/advice.py phone_json() (tests/server/test_pwa.py checks they agree; written by
// scripts/make_advice_js.py). Data only: pages use window.DiaryAdvice (entry.js reads it),
// and node require()s it.
"use strict";
(function (root, data) {
  if (typeof module === "object" && module.exports) module.exports = data;
  else root.DiaryAdvice = data;
})(typeof self !== "undefined" ? self : this, /* advice-json */{
  "signs": [
    [
      "sudden_change",
      "emergency"
    ],
    [
      "chest_pain",
      "emergency"
    ],
    [
      "cauda_equina",
      "emergency"
    ],
    [
      "infected_wound_unwell",
      "emergency"
    ],
    [
      "infected_wound_diabetes",
      "emergency"
    ],
    [
      "sudden_change_late",
      "same_day"
    ],
    [
      "faint",
      "same_day"
    ],
    [
      "palpitations",
      "same_day"
    ],
    [
      "breathless",
      "same_day"
    ],
    [
      "infected_wound",
      "same_day"
    ],
    [
      "rest_pain_pale_cold_numb",
      "same_day"
    ],
    [
      "rest_pain_typical",
      "same_day"
    ],
    [
      "rest_pain",
      "same_day"
    ],
    [
      "wound",
      "same_day"
    ],
    [
      "dark_toe",
      "same_day"
    ],
    [
      "pale_cold_foot",
      "next_contact"
    ]
  ],
  "words": {
    "sudden_change": [
      "A leg or foot that has suddenly become painful, pale, cold, numb or weak can mean its blood supply has suddenly stopped. This is an emergency.",
      "Call {emergency} now. Do not wait for your care team to read your diary.",
      "Do not walk on it to test it. Keep the leg still and lowered while you wait for help."
    ],
    "chest_pain": [
      "Chest pain, pressure or tightness when you walk can come from your heart.",
      "Stop and rest. If you have it now and it lasts more than a few minutes, or comes with sweating, feeling sick or short of breath, call {emergency} now.",
      "If it has passed, phone your care team or your GP now, and do not walk for exercise until a doctor has checked you."
    ],
    "cauda_equina": [
      "Numbness around your bottom or private parts, new trouble passing urine or controlling your bladder or bowels, or weakness in both legs that is getting worse can mean the nerves at the bottom of your spine are being squeezed. This is an emergency.",
      "Go to a hospital emergency department now, or call {emergency}. Do not wait for your care team to read your diary."
    ],
    "infected_wound_unwell": [
      "A wound that is red, swollen, warm, has pus or smells, or a wound with a fever or feeling unwell, can be a serious infection.",
      "Get help now: phone your care team, and if you cannot speak to them straight away, go to a hospital emergency department or call {emergency}."
    ],
    "infected_wound_diabetes": [
      "With diabetes, redness spreading, swelling, warmth, pus or a bad smell around a wound or on your foot is an infection that needs treating now, even if you feel well.",
      "Get help now: phone your care team, and if you cannot speak to them straight away, go to a hospital emergency department or call {emergency}."
    ],
    "sudden_change_late": [
      "A leg that changed suddenly more than 2 weeks ago and is not back to normal needs checking today.",
      "Phone your care team today. Do not wait for them to read your diary.",
      "If the leg gets suddenly worse, call {emergency} now."
    ],
    "faint": [
      "Feeling faint or dizzy, or fainting, when you walk needs checking before you walk for exercise again.",
      "Phone your care team or your GP today, and do not walk for exercise until you have spoken to them.",
      "If you fainted, or it comes with chest pain or a racing heart, call {emergency} now."
    ],
    "palpitations": [
      "A heart that races, pounds or flutters when you walk needs checking.",
      "Phone your care team or your GP today, and do not walk for exercise until you have spoken to them.",
      "If it comes with chest pain, feeling faint or being short of breath, call {emergency} now."
    ],
    "breathless": [
      "Being much more out of breath than usual when you walk needs checking.",
      "Phone your care team or your GP today, and do not walk for exercise until you have spoken to them.",
      "If you are short of breath while resting, or it comes with chest pain, call {emergency} now."
    ],
    "infected_wound": [
      "Redness spreading, swelling, warmth, pus or a bad smell around a wound or on your foot can mean an infection, which needs treating quickly.",
      "Phone your care team today. Do not wait for them to read your diary.",
      "If you get a fever or feel unwell, phone them now, or call {emergency} if you cannot reach them."
    ],
    "rest_pain_pale_cold_numb": [
      "Pain at rest together with a pale, cold or numb foot can mean the blood supply to your leg has got worse, and needs checking today.",
      "Phone your care team today. Do not wait for them to read your diary.",
      "If the leg becomes suddenly worse, or you cannot move your foot or toes, call {emergency} now."
    ],
    "rest_pain_typical": [
      "Pain in your foot or leg at night that eases when you hang your leg down can mean the blood supply to your leg is getting worse.",
      "Phone your care team today. Do not wait for them to read your diary.",
      "If your foot becomes suddenly cold, pale, numb or very painful, call {emergency} now."
    ],
    "rest_pain": [
      "Pain in your leg or foot when you are resting can mean the blood supply to your leg is getting worse.",
      "Phone your care team today. Do not wait for them to read your diary.",
      "If your foot becomes suddenly cold, pale, numb or very painful, call {emergency} now."
    ],
    "wound": [
      "A wound, sore or ulcer on your foot or leg needs checking by your care team, because it can be slow to heal when the blood supply is poor.",
      "Phone your care team today. Do not wait for them to read your diary.",
      "Keep it clean and covered, and do not walk barefoot. If it gets red, hot, swollen or smelly, or you feel unwell, phone them now, or call {emergency} if you cannot reach them."
    ],
    "dark_toe": [
      "A toe or part of your foot that is blue or black needs checking by your care team: the skin may not be getting enough blood.",
      "Phone your care team today. Do not wait for them to read your diary.",
      "Keep it clean and dry and protect it from knocks. If your foot also becomes suddenly cold, pale, numb or very painful, call {emergency} now."
    ],
    "pale_cold_foot": [
      "A foot that is cold and pale can mean poor blood flow.",
      "Tell your care team at your next appointment or phone call.",
      "If it came on suddenly, or the foot becomes painful, numb or weak, call {emergency} now."
    ]
  },
  "titles": {
    "emergency": "Get help now",
    "same_day": "Phone your care team today",
    "next_contact": "Tell your care team"
  },
  "closing": {
    "emergency": "Your answers are saved in your diary and your care team will see them, but do not wait for them: get help now.",
    "same_day": "Your answers are saved in your diary and your care team will see them, but please do not wait for them to call you.",
    "next_contact": "Your answers are saved in your diary and your care team will see them."
  },
  "also": "Tell whoever you speak to about everything else you told us too.",
  "phrases": {
    "sudden_onset": "a sudden change in the leg (painful, pale, cold, numb or weak)",
    "sudden_0": "that began that day",
    "sudden_1": "that began the day before",
    "sudden_n": "that began {days} days before",
    "chest_pain": "chest pain or tightness when walking",
    "breathless": "much more out of breath than usual when walking",
    "palpitations": "the heart racing or pounding when walking",
    "faint": "feeling faint or dizzy when walking",
    "saddle_numbness": "numbness around the bottom or private parts",
    "bladder_bowel": "new trouble with the bladder or bowels",
    "legs_weaker": "weakness in both legs getting worse",
    "rest_pain": "pain in the leg or foot at rest",
    "at_night": "at night",
    "eased_by_hanging": "eased by hanging the leg down",
    "wound": "a wound, sore or ulcer",
    "wound_1": "for 1 day",
    "wound_n": "for {days} days",
    "wound_healed": "the wound has healed",
    "infection": "{signs} around a wound or on the foot",
    "fever": "a fever or feeling unwell",
    "colour": "a toe or part of the foot that is {colour}",
    "colour_healed": "the blue or black toe has healed",
    "cold_foot": "a cold foot",
    "numb_foot": "a numb foot",
    "spreading_redness": "redness spreading",
    "swelling": "swelling",
    "warmth": "warmth",
    "pus": "pus",
    "smell": "a bad smell"
  }
}/* end-advice-json */);
