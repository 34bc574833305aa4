"""The bot's own texts for a course of treatment (part of core/texts/patient.py's TEXTS; same
rules: HTML templates, `t()` escapes every value): a booked session's confirmation, the
recall when the next session is due, photo check-ins, the outcome question, /calendar.
Also how a session's day and time are written for a patient, in English and Hindi."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from core.texts.calendar import weekday

HINDI_MONTHS = ("जनवरी", "फ़रवरी", "मार्च", "अप्रैल", "मई", "जून", "जुलाई", "अगस्त", "सितंबर",
                "अक्टूबर", "नवंबर", "दिसंबर")
EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def session_when(moment: datetime, zone: ZoneInfo, language: str, now: datetime) -> str:
    """A session's day and time as the patient reads it, in their zone: "Tue 15 Dec, 16:00"
    ("मंगलवार, 15 दिसंबर, 16:00"); the year only when it is not this year. Written out here
    rather than by strftime, whose names follow the machine's locale."""
    local = moment.astimezone(zone)
    year = f" {local.year}" if local.year != now.astimezone(zone).year else ""
    clock = f"{local:%H:%M}"
    if language == "hi":
        return (f"{weekday(local.weekday(), 'hi')}, {local.day} "
                f"{HINDI_MONTHS[local.month - 1]}{year}, {clock}")
    day = weekday(local.weekday(), "en", short=True)
    return f"{day} {local.day} {EN_MONTHS[local.month - 1]}{year}, {clock}"


COURSE_TEXTS: Mapping[str, Mapping[str, str]] = {
    # --- a session booked ahead -----------------------------------------------------------
    "confirm_request": {
        "en": (
            "📅 Your next session at {clinic} is <b>{when}</b> (your time, {zone}).\n"
            "Will you be there?"
        ),
        "hi": (
            "📅 {clinic} में आपका अगला सेशन <b>{when}</b> को है (आपका समय, {zone})।\n"
            "क्या आप आ पाएँगे?"
        ),
    },
    "button_confirm_yes": {"en": "I'll be there", "hi": "मैं आऊँगा/आऊँगी"},
    "button_confirm_change": {"en": "I need to change it", "hi": "मुझे समय बदलना है"},
    "confirm_thanks": {
        "en": "Thank you! See you on {when}. If anything changes, write here or call: {contact}",
        "hi": "धन्यवाद! {when} को मिलते हैं। अगर कुछ बदले, तो यहाँ लिखें या फ़ोन करें: {contact}",
    },
    "confirm_change_ask": {
        "en": (
            "No problem. When would suit you better? Type the days and times that work for "
            "you (for example “Friday after 5 pm”), and the clinic team will reply here with "
            "a new time. Until then your booking stays as it is."
        ),
        "hi": (
            "कोई बात नहीं। आपके लिए कौन-सा समय बेहतर रहेगा? जो दिन और समय आपको ठीक लगें, "
            "वे लिख दें (जैसे “शुक्रवार शाम 5 बजे के बाद”), क्लिनिक टीम यहीं नया समय बताएगी। "
            "तब तक आपकी बुकिंग जैसी है वैसी ही रहेगी।"
        ),
    },
    "booking_wish_passed": {
        "en": (
            "Thank you, I've passed this to the clinic team; they will reply here with a new "
            "time. If it cannot wait: {contact}"
        ),
        "hi": (
            "धन्यवाद, मैंने यह क्लिनिक टीम को भेज दिया है; वे यहीं नया समय बताएँगे। अगर जल्दी "
            "है: {contact}"
        ),
    },
    "confirm_stale": {
        "en": "This session has moved or is no longer booked; the clinic has the current time.",
        "hi": "यह सेशन बदल गया है या अब बुक नहीं है; सही समय क्लिनिक के पास है।",
    },
    "session_moved": {
        "en": (
            "📅 Your session at {clinic} has moved to <b>{when}</b> (your time, {zone}). "
            "Send /calendar for the updated calendar file. Questions: {contact}"
        ),
        "hi": (
            "📅 {clinic} में आपका सेशन अब <b>{when}</b> को है (आपका समय, {zone})। नई कैलेंडर "
            "फ़ाइल के लिए /calendar भेजें। सवाल हों तो: {contact}"
        ),
    },
    # --- the next session is due and nothing is booked -------------------------------------
    "recall_due": {
        "en": (
            "📅 It is time for your next session of {procedure} (session {number} of "
            "{total}), and nothing is booked yet. What would you like to do?"
        ),
        "hi": (
            "📅 {procedure} के आपके अगले सेशन (कुल {total} में से सेशन {number}) का समय हो "
            "गया है, और अभी कुछ बुक नहीं है। आप क्या करना चाहेंगे?"
        ),
    },
    "recall_maintenance": {
        "en": (
            "📅 It is about time for a maintenance session of {procedure}: one now and then "
            "helps keep the result. Nothing is booked yet. What would you like to do?"
        ),
        "hi": (
            "📅 {procedure} के मेंटेनेंस सेशन का समय हो रहा है: बीच-बीच में एक सेशन नतीजा "
            "बनाए रखने में मदद करता है। अभी कुछ बुक नहीं है। आप क्या करना चाहेंगे?"
        ),
    },
    "button_recall_call": {"en": "Ask the clinic to call me", "hi": "क्लिनिक मुझे फ़ोन करे"},
    "button_recall_self": {"en": "I'll book it myself", "hi": "मैं खुद बुक करूँगा/करूँगी"},
    "button_recall_finished": {"en": "I've finished the course", "hi": "मेरा कोर्स पूरा हो गया"},
    "recall_call_done": {
        "en": "Done: I've asked the clinic team to call you to book. If you prefer: {contact}",
        "hi": "हो गया: मैंने क्लिनिक टीम से आपको बुकिंग के लिए फ़ोन करने को कहा है। चाहें तो: "
              "{contact}",
    },
    "recall_self_done": {
        "en": "Great. You can book with {clinic}: {contact}",
        "hi": "बहुत अच्छा। आप {clinic} में बुक कर सकते हैं: {contact}",
    },
    "recall_finished_done": {
        "en": "Thank you for letting us know: your course is marked as finished.",
        "hi": "बताने के लिए धन्यवाद: आपका कोर्स पूरा हुआ दर्ज कर लिया गया है।",
    },
    # --- photo check-ins ------------------------------------------------------------------
    "photo_ask_swelling": {
        "en": "Thank you for the photo. Is the treated area swollen?",
        "hi": "फ़ोटो के लिए धन्यवाद। क्या इलाज वाली जगह पर सूजन है?",
    },
    "button_yes": {"en": "Yes", "hi": "हाँ"},
    "button_no": {"en": "No", "hi": "नहीं"},
    "photo_ask_pain": {
        "en": "How much pain do you have there right now, from 0 (none) to 10 (the worst)?",
        "hi": "अभी वहाँ कितना दर्द है, 0 (बिल्कुल नहीं) से 10 (सबसे ज़्यादा) तक?",
    },
    "photo_done": {
        "en": (
            "Thank you: your photo and answers are with the clinic team. If something "
            "worries you, write here or call: {contact}"
        ),
        "hi": (
            "धन्यवाद: आपकी फ़ोटो और जवाब क्लिनिक टीम तक पहुँच गए हैं। अगर किसी बात की चिंता "
            "हो, तो यहाँ लिखें या फ़ोन करें: {contact}"
        ),
    },
    # --- the outcome ------------------------------------------------------------------------
    "outcome_course_end": {
        "en": (
            "Your course of {procedure} at {clinic} has come to an end. How happy are you "
            "with the result? Tap 1 (not at all) to 5 (very happy)."
        ),
        "hi": (
            "{clinic} में {procedure} का आपका कोर्स पूरा हो गया है। आप नतीजे से कितने खुश "
            "हैं? 1 (बिल्कुल नहीं) से 5 (बहुत खुश) तक दबाएँ।"
        ),
    },
    "outcome_thanks": {
        "en": "Thank you for your answer.",
        "hi": "आपके जवाब के लिए धन्यवाद।",
    },
    "outcome_review": {
        "en": "We're glad it went well! If you would like to, you can leave a review here: {url}",
        "hi": "हमें खुशी है कि अच्छा रहा! अगर आप चाहें, तो यहाँ अपनी राय लिख सकते हैं: {url}",
    },
    "outcome_sorry": {
        "en": (
            "We're sorry it did not turn out as you hoped. I've asked the clinic team to "
            "contact you. You can also reach them: {contact}"
        ),
        "hi": (
            "हमें खेद है कि नतीजा आपकी उम्मीद के मुताबिक नहीं रहा। मैंने क्लिनिक टीम से आपसे "
            "संपर्क करने को कहा है। आप भी उनसे संपर्क कर सकते हैं: {contact}"
        ),
    },
    "outcome_comment_ask": {
        "en": "Would you like to add a few words? Just type them now.",
        "hi": "क्या आप कुछ शब्द जोड़ना चाहेंगे? बस अभी लिख दें।",
    },
    "button_outcome_skip": {"en": "No, thanks", "hi": "नहीं, धन्यवाद"},
    "outcome_comment_thanks": {
        "en": "Thank you, your comment has reached the clinic.",
        "hi": "धन्यवाद, आपकी टिप्पणी क्लिनिक तक पहुँच गई है।",
    },
    # --- /calendar --------------------------------------------------------------------------
    "calendar_caption": {
        "en": (
            "Your booked sessions at {clinic}: open the file to add them to your calendar. "
            "After a change, send /calendar again: the file updates the same entries."
        ),
        "hi": (
            "{clinic} में आपके बुक किए गए सेशन: इन्हें अपने कैलेंडर में जोड़ने के लिए फ़ाइल "
            "खोलें। कोई बदलाव हो तो फिर से /calendar भेजें: फ़ाइल उन्हीं एंट्री को अपडेट करती है।"
        ),
    },
    "calendar_empty": {
        "en": "No session is booked at the moment. To book one, contact {clinic}: {contact}",
        "hi": "अभी कोई सेशन बुक नहीं है। बुक करने के लिए {clinic} से संपर्क करें: {contact}",
    },
    "calendar_event": {
        "en": "{procedure}: session {number} at {clinic}",
        "hi": "{procedure}: {clinic} में सेशन {number}",
    },
}
