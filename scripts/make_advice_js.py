"""Write web/static/pwa/advice.js, the phone's copy of the safety advice, from diary/advice.py.

Run after changing a sign, its words or a phrase: ``python scripts/make_advice_js.py``.
tests/server/test_pwa.py fails while the two differ.
"""

from __future__ import annotations

import json
from pathlib import Path

from diary.advice import phone_json

OUT = Path(__file__).resolve().parent.parent / "web" / "static" / "pwa" / "advice.js"
HEAD = """// Walking Diary: the safety advice the phone shows with no connection, word for word
// diary/advice.py phone_json() (tests/server/test_pwa.py checks they agree; written by
// scripts/make_advice_js.py). Data only: pages use window.DiaryAdvice (entry.js reads it),
// and node require()s it.
"use strict";
(function (root, data) {
  if (typeof module === "object" && module.exports) module.exports = data;
  else root.DiaryAdvice = data;
})(typeof self !== "undefined" ? self : this, """


def main() -> None:
    body = json.dumps(phone_json(), indent=2, ensure_ascii=False)
    OUT.write_text(f"{HEAD}/* advice-json */{body}/* end-advice-json */);\n", encoding="utf-8")


if __name__ == "__main__":
    main()
