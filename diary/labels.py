"""Plain words for the codes the app stores, wherever a person reads them.

Codes (``fontaine_iib``, ``sat_down``, ``patient.viewed``) stay in the exports
and the API, where programs read them; pages show these words instead. One
table per kind of code; a code with no words yet (a new rule, a new audit
action) reads as itself, tidied, rather than failing the page. Kept in one
place so they can be translated later.
"""

from __future__ import annotations

from typing import Any

WORDS: dict[str, dict[str, str]] = {
    "rule": {
        "acute_limb": "Possible acute limb ischaemia",
        "cauda_equina": "Cauda equina red flags",
        "distance_decline": "Walking distance falling",
        "fontaine_iib": "Walking distance under 200 m",
        "heart_symptoms": "Chest pain or heart symptoms on walking",
        "logging_gap": "Diary gone quiet",
        "neurogenic_pattern": "Pattern like neurogenic claudication",
        "pale_cold_foot": "Cold, pale foot",
        "rest_pain": "Rest pain",
        "tissue_loss": "Wound or tissue loss",
        "wound_infection": "Signs of wound infection",
    },
    "severity": {"emergency": "Emergency", "urgent": "Urgent", "review": "Review", "info": "Info",
                 "none": "No open flag"},
    "flag_status": {"open": "Open", "acknowledged": "Acknowledged", "resolved": "Resolved"},
    # A flag's history (diary.flags): what happened to it.
    "flag_event": {
        "raised": "Raised", "escalated": "Escalated", "acknowledged": "Acknowledged", "resolved": "Resolved",
        "noted": "Note added", "snoozed": "Snoozed", "seen again": "Seen again", "no longer seen": "No longer seen",
    },
    "relief": {
        "stood_still": "Stood still", "sat_down": "Sat down", "bent_forward": "Bent forward",
        "lay_down": "Lay down", "not_relieved": "Nothing eased it", "no_pain": "No pain",
    },
    "pain_site": {"foot": "Foot", "calf": "Calf", "thigh": "Thigh", "buttock": "Buttock"},
    "side": {"left": "Left", "right": "Right", "both": "Both"},
    "sensation": {"cramping": "Cramping", "aching": "Aching", "burning": "Burning", "numbness": "Numbness",
                  "tingling": "Tingling", "weakness": "Weakness", "tightness": "Tightness"},
    "heart_symptom": {"chest_pain": "Chest pain", "breathless": "Breathlessness", "palpitations": "Palpitations",
                      "faint": "Feeling faint"},
    "cauda_equina_sign": {"saddle_numbness": "Saddle numbness", "bladder_bowel": "Bladder or bowel trouble",
                          "legs_weaker": "Both legs getting weaker"},
    "infection_sign": {"spreading_redness": "Spreading redness", "swelling": "Swelling", "warmth": "Warmth",
                       "pus": "Pus", "smell": "Bad smell", "fever": "Fever or feeling unwell"},
    "terrain": {"flat": "Flat", "uphill": "Uphill", "downhill": "Downhill", "stairs": "Stairs", "mixed": "Mixed"},
    "suspected_type": {"vascular": "Vascular (arterial)", "neurogenic": "Neurogenic (spinal)",
                       "unknown": "Not yet known"},
    "role": {"patient": "Patient", "clinician": "Clinician", "admin": "Admin"},
    "export_status": {"running": "Being made", "done": "Ready", "failed": "Failed"},
    "measurement": {"abi": "Resting ABI", "toe_pressure": "Toe pressure"},
    "audit_area": {
        "signin": "Sign-ins", "signout": "Sign-outs", "account": "Accounts", "passkey": "Passkeys",
        "staff": "Staff", "clinic": "Clinic settings", "patient": "Patient records", "flag": "Flags", "entry": "Diary entries",
        "measurement": "Measurements", "export": "Exports", "enrolment": "Enrolment and recovery codes",
        "data": "Patients' data downloads", "access": "Refused requests", "erasure": "Data deletion", "audit": "The audit log",
    },
    "audit_action": {
        "signin.succeeded": "Signed in", "signin.failed": "Sign-in failed",
        "signin.throttled": "Sign-in refused: too many attempts", "signout": "Signed out",
        "account.password_changed": "Password changed", "account.sessions_ended": "Signed out on other devices",
        "account.recovered": "Account recovered with a code",
        "account.confirmed": "Password confirmed (to add a passkey)",
        "account.password_check_failed": "Wrong current password typed",
        "account.password_check_throttled": "Password check refused: too many attempts",
        "access.not_found": "Refused: a record of another clinic",
        "passkey.added": "Passkey added", "passkey.removed": "Passkey removed", "passkey.refused": "Passkey refused",
        "staff.invited": "Staff member invited", "staff.joined": "Staff member joined",
        "staff.activated": "Staff account activated", "staff.deactivated": "Staff account deactivated",
        "staff.role_changed": "Staff role changed", "staff.join_refused": "Staff invitation refused",
        "patient.viewed": "Viewed the record", "patient.reviewed": "Marked reviewed",
        "patient.sessions_ended": "Signed the patient out everywhere",
        "patient.details_changed": "Patient details changed",
        "clinic.settings_changed": "Clinic settings changed",
        "flag.acknowledge": "Flag acknowledged", "flag.resolve": "Flag resolved", "flag.note": "Note added to a flag",
        "flag.snooze": "Flag snoozed",
        "entry.edited": "Diary entry changed", "entry.deleted": "Diary entry deleted",
        "entry.restored": "Deleted diary entry brought back",
        "measurement.added": "Measurement added", "measurement.removed": "Measurement removed",
        "export.generated": "Weekly export made", "export.failed": "Weekly export failed",
        "export.downloaded": "Export downloaded",
        "enrolment.code_issued": "Enrolment or recovery code issued",
        "enrolment.code_revoked": "Enrolment code revoked", "enrolment.code_used": "Enrolment code used",
        "enrolment.code_refused": "Wrong enrolment code", "enrolment.throttled": "Code refused: too many attempts",
        "data.downloaded": "Patient downloaded their data",
        "erasure.requested": "Deletion requested", "erasure.cancelled": "Deletion request withdrawn",
        "erasure.confirmed": "Data deleted", "erasure.declined": "Deletion request declined",
        "audit.exported": "Audit log exported",
    },
}


def label(code: Any, kind: str) -> str:
    """The words for ``code`` (a string or a string enum) of a kind; unknown codes tidied."""
    value = getattr(code, "value", code)
    if value is None or value == "":
        return ""
    text = str(value)
    known = WORDS.get(kind, {}).get(text)
    if known is not None:
        return known
    return text.replace("_", " ").replace(".", ": ").capitalize()


def labels(codes: Any, kind: str) -> str:
    """Several codes as words: 'Calf, Thigh'."""
    return ", ".join(label(code, kind) for code in codes or ())
