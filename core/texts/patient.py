"""Every text a patient sees from the bot itself (content/ holds the clinical texts), in
English and Hindi, as HTML templates. `check` reports a declared language missing here."""

from __future__ import annotations

import hashlib
import html
from collections.abc import Mapping, Sequence

from core.texts.calendar import weekdays
from core.texts.commands import PATIENT_COMMANDS, help_lines
from core.texts.commands import missing_translations as commands_missing
from core.texts.course import COURSE_TEXTS
from core.texts.patient_replies import REPLY_TEXTS

# Languages the bot's own texts exist in (content may declare more; those fall back to en).
LANGUAGES = ("en", "hi")
FALLBACK = "en"

# The name of each language in itself, for /language buttons.
LANGUAGE_NAMES: Mapping[str, str] = {"en": "English", "hi": "हिन्दी"}

# Templates use str.format fields; `t()` escapes every value, so a caller never needs to.
_TEXTS: Mapping[str, Mapping[str, str]] = {
    # --- invites and consent ------------------------------------------------------------
    "invite_intro": {
        "en": (
            "<b>{clinic}</b> would like to look after you after your treatment.\n\n"
            "Procedure: <b>{procedure}</b>\n{description}\n"
            "What you will get: {count} messages from this chat — care reminders at the "
            "right times{checkins}. You can ask questions here at any time.\n\n"
            "You can stop with /stop and erase your data with /forget whenever you like.\n\n"
            "<b>Do you agree to receive these messages from {clinic}?</b>"
        ),
        "hi": (
            "<b>{clinic}</b> आपके उपचार के बाद आपकी देखभाल में मदद करना चाहता है।\n\n"
            "प्रक्रिया: <b>{procedure}</b>\n{description}\n"
            "आपको क्या मिलेगा: इस चैट में {count} संदेश — सही समय पर देखभाल के रिमाइंडर"
            "{checkins}। आप यहाँ कभी भी प्रश्न पूछ सकते हैं।\n\n"
            "आप कभी भी /stop से संदेश बंद कर सकते हैं और /forget से अपना डेटा मिटा सकते हैं।\n\n"
            "<b>क्या आप {clinic} से ये संदेश पाने के लिए सहमत हैं?</b>"
        ),
    },
    # The consent question's promise of check-ins, only for a protocol that has them (what
    # else the care holds, follow-up sessions say, its own description tells).
    "invite_checkins": {"en": " and a few short check-in questions",
                        "hi": " और कुछ छोटे चेक-इन प्रश्न"},
    # --- from staff -----------------------------------------------------------------------
    "cancelled_by_clinic": {
        "en": (
            "Your reminders from {clinic} have been cancelled by the clinic. "
            "If this is unexpected, please contact them: {contact}"
        ),
        "hi": (
            "{clinic} ने आपके रिमाइंडर रद्द कर दिए हैं। अगर यह अपेक्षित नहीं था, "
            "तो कृपया क्लिनिक से संपर्क करें: {contact}"
        ),
    },
    "resumed_by_clinic": {
        "en": (
            "{clinic} has switched your reminders back on (the cancellation was undone). "
            "/plan shows what is coming. Questions: {contact}"
        ),
        "hi": (
            "{clinic} ने आपके रिमाइंडर फिर से चालू कर दिए हैं (रद्द करना वापस ले लिया गया)। "
            "/plan आने वाले संदेश दिखाता है। प्रश्न हों तो: {contact}"
        ),
    },
    "reply_from_clinic": {
        "en": "<b>Reply from {clinic}:</b>\n",
        "hi": "<b>{clinic} का उत्तर:</b>\n",
    },
    # The accepting label must start with "Yes" in every language: patients and our end-to-end
# checks look for it.
    "button_accept": {"en": "Yes, I agree", "hi": "Yes / हाँ, मैं सहमत हूँ"},
    "button_decline": {"en": "No, thanks", "hi": "No / नहीं, धन्यवाद"},
    "consent_done": {
        "en": (
            "Thank you, you are all set. {first}\n\n"
            "Times are in your time zone: <b>{zone}</b>. If you live elsewhere, send "
            "/timezone to change it.\n/plan shows what is coming; /help lists everything "
            "you can do."
        ),
        "hi": (
            "धन्यवाद, सब तैयार है। {first}\n\n"
            "समय आपके टाइम ज़ोन में हैं: <b>{zone}</b>। अगर आप कहीं और रहते हैं, तो इसे बदलने के "
            "लिए /timezone भेजें।\n/plan आने वाले संदेश दिखाता है; /help सब विकल्प दिखाता है।"
        ),
    },
    # A chat that is already a patient accepted another record's invitation: staff check.
    "join_held": {
        "en": (
            "Thank you! This chat is already known to {clinic}, so the team is checking "
            "this invitation against your records before it starts. You will hear from us "
            "here soon; nothing else changes meanwhile."
        ),
        "hi": (
            "धन्यवाद! यह चैट {clinic} के पास पहले से दर्ज है, इसलिए टीम शुरू करने से पहले इस "
            "निमंत्रण को आपके रिकॉर्ड से मिला रही है। जल्द ही आपको यहीं बताया जाएगा; तब तक और "
            "कुछ नहीं बदलेगा।"
        ),
    },
    "join_apart": {
        "en": (
            "{clinic} has checked: this invitation belongs to another record, so nothing has "
            "changed in this chat. If it was meant for you, please contact the clinic: "
            "{contact}"
        ),
        "hi": (
            "{clinic} ने जाँच लिया है: यह निमंत्रण किसी दूसरे रिकॉर्ड का है, इसलिए इस चैट में "
            "कुछ नहीं बदला। अगर यह आपके लिए था, तो कृपया क्लिनिक से संपर्क करें: {contact}"
        ),
    },
    # Typed instead of pressed: "I pressed no by mistake", or words that answer nothing.
    "consent_again": {
        "en": "No problem, here is the question again: tap a button, or type yes or no.",
        "hi": "कोई बात नहीं, यह प्रश्न फिर से है: कोई बटन दबाएँ, या हाँ या नहीं लिखें।",
    },
    "consent_pending": {
        "en": "You have an invitation from {clinic} waiting for your answer: tap a button "
              "below, or type yes or no.",
        "hi": "{clinic} का निमंत्रण आपके उत्तर की प्रतीक्षा में है: नीचे कोई बटन दबाएँ, या "
              "हाँ या नहीं लिखें।",
    },
    "consent_declined": {
        "en": (
            "No problem — nothing has been saved. If you change your mind, open the invite "
            "link from {clinic} again."
        ),
        "hi": (
            "कोई बात नहीं — कुछ भी सेव नहीं किया गया। अगर आपका मन बदले, तो {clinic} का "
            "निमंत्रण लिंक फिर से खोलें।"
        ),
    },
    "code_unknown": {
        "en": (
            "This invite link is not valid. Please check that you opened the whole link, "
            "or ask {clinic} for a new one."
        ),
        "hi": (
            "यह निमंत्रण लिंक मान्य नहीं है। कृपया जाँचें कि आपने पूरा लिंक खोला है, या "
            "{clinic} से नया लिंक माँगें।"
        ),
    },
    "code_used": {
        "en": (
            "This invite link has already been used. Each link works once; if it was not "
            "you, please tell {clinic}."
        ),
        "hi": (
            "यह निमंत्रण लिंक पहले ही इस्तेमाल हो चुका है। हर लिंक एक बार ही चलता है; अगर यह "
            "आपने नहीं किया, तो कृपया {clinic} को बताएँ।"
        ),
    },
    "code_expired": {
        "en": "This invite link has expired. Please ask {clinic} for a new one.",
        "hi": "इस निमंत्रण लिंक की अवधि समाप्त हो गई है। कृपया {clinic} से नया लिंक माँगें।",
    },
    "stranger": {
        "en": (
            "Hello! This bot sends aftercare messages from {clinic} to its patients. To "
            "join, please ask your clinic for an invite link."
        ),
        "hi": (
            "नमस्ते! यह बॉट {clinic} के मरीज़ों को उपचार के बाद की देखभाल के संदेश भेजता है। "
            "जुड़ने के लिए कृपया अपने क्लिनिक से निमंत्रण लिंक माँगें।"
        ),
    },
    # {commands} is the patient command table's help lines (core/texts/commands.py).
    "help": {
        "en": (
            "I send you aftercare messages from <b>{clinic}</b> and answer your questions.\n\n"
            "{commands}\n\n"
            "You can also just type a question. If something feels wrong (fever, pus, "
            "spreading redness, strong pain, trouble breathing), write it here — the clinic "
            "is told at once.\n\nContact: {contact}"
        ),
        "hi": (
            "मैं आपको <b>{clinic}</b> से देखभाल के संदेश भेजता हूँ और आपके प्रश्नों के उत्तर "
            "देता हूँ।\n\n"
            "{commands}\n\n"
            "आप सीधे अपना प्रश्न भी लिख सकते हैं। अगर कुछ ठीक न लगे (बुखार, मवाद, फैलती "
            "लालिमा, तेज़ दर्द, साँस लेने में तकलीफ़), तो यहाँ लिखें — क्लिनिक को तुरंत बताया "
            "जाता है।\n\nसंपर्क: {contact}"
        ),
    },
    # --- /plan ----------------------------------------------------------------------------
    "plan_header": {
        "en": "<b>Your upcoming messages</b> (times in {zone}):",
        "hi": "<b>आपके आने वाले संदेश</b> (समय {zone} में):",
    },
    "plan_procedure": {"en": "<b>{procedure}</b>", "hi": "<b>{procedure}</b>"},
    "plan_line": {"en": "• {when} — {what}", "hi": "• {when} — {what}"},
    "plan_empty": {
        "en": "No more messages are planned.",
        "hi": "अब कोई और संदेश तय नहीं है।",
    },
    "plan_sent": {
        "en": "Already sent: {count}.",
        "hi": "पहले भेजे जा चुके: {count}।",
    },
    "plan_more": {"en": "…and {count} more.", "hi": "…और {count} अन्य।"},
    # --- /faq -----------------------------------------------------------------------------
    "faq_choose": {"en": "Choose a topic:", "hi": "एक विषय चुनें:"},
    "faq_empty": {
        "en": "There are no questions yet. Type yours and the clinic will answer.",
        "hi": "अभी कोई प्रश्न नहीं है। अपना प्रश्न लिखें, क्लिनिक उत्तर देगा।",
    },
    "did_you_mean": {"en": "Did you mean:", "hi": "क्या आपका मतलब था:"},
    # --- /language ------------------------------------------------------------------------
    "language_choose": {"en": "Choose your language:", "hi": "अपनी भाषा चुनें:"},
    "language_set": {
        "en": "Done: messages will now come in English.",
        "hi": "हो गया: अब संदेश हिन्दी में आएँगे।",
    },
    # --- /timezone ------------------------------------------------------------------------
    "timezone_prompt": {
        "en": (
            "Your time zone is <b>{zone}</b>. To change it, send the name of your city "
            "(for example <i>Berlin</i>, <i>Mumbai</i>, <i>New York</i>) or a time zone "
            "like <i>Europe/Berlin</i>."
        ),
        "hi": (
            "आपका टाइम ज़ोन <b>{zone}</b> है। इसे बदलने के लिए अपने शहर का नाम भेजें "
            "(जैसे <i>Berlin</i>, <i>Mumbai</i>, <i>New York</i>) या <i>Europe/Berlin</i> "
            "जैसा टाइम ज़ोन।"
        ),
    },
    "timezone_set": {
        "en": "Done: your time zone is now <b>{zone}</b> (local time {local}).",
        "hi": "हो गया: आपका टाइम ज़ोन अब <b>{zone}</b> है (स्थानीय समय {local})।",
    },
    "timezone_choose": {
        "en": "Which one do you mean?",
        "hi": "आपका मतलब कौन-सा है?",
    },
    "timezone_unknown": {
        "en": (
            "I could not find that time zone. Send a city such as <i>Berlin</i>, "
            "<i>Mumbai</i> or <i>New York</i>, or a name like <i>Asia/Kolkata</i>: "
            "/timezone <i>city</i>."
        ),
        "hi": (
            "मुझे वह टाइम ज़ोन नहीं मिला। <i>Berlin</i>, <i>Mumbai</i> या <i>New York</i> "
            "जैसा शहर, या <i>Asia/Kolkata</i> जैसा नाम भेजें: /timezone <i>शहर</i>।"
        ),
    },
    # --- /stop and /forget ----------------------------------------------------------------
    "stop_confirm": {
        "en": (
            "Stop all messages from {clinic}? Reminders and check-ins will no longer be "
            "sent. To start again later, ask the clinic for a new invite link."
        ),
        "hi": (
            "{clinic} से सभी संदेश बंद करें? रिमाइंडर और चेक-इन अब नहीं भेजे जाएँगे। बाद में "
            "फिर शुरू करने के लिए क्लिनिक से नया निमंत्रण लिंक माँगें।"
        ),
    },
    "button_stop": {"en": "Yes, stop messages", "hi": "Yes / हाँ, संदेश बंद करें"},
    "button_keep": {"en": "No, keep them", "hi": "No / नहीं, जारी रखें"},
    "stop_done": {
        "en": "Messages stopped. Nothing more will be sent. To reach the clinic: {contact}",
        "hi": "संदेश बंद कर दिए गए। अब कुछ नहीं भेजा जाएगा। क्लिनिक से संपर्क: {contact}",
    },
    "kept": {"en": "OK, nothing changed.", "hi": "ठीक है, कुछ नहीं बदला।"},
    "forget_confirm": {
        "en": (
            "Erase your personal data? We delete your name, your chat with us, the "
            "messages, photos and files you sent and your check-in answers, and remove the "
            "clinic team's copies of them from their staff chat. Nothing more will be sent. "
            "This cannot be undone."
        ),
        "hi": (
            "अपना निजी डेटा मिटाएँ? हम आपका नाम, हमारे साथ आपकी चैट, आपके भेजे संदेश, फ़ोटो और "
            "फ़ाइलें और आपके चेक-इन उत्तर हटा देंगे, और क्लिनिक टीम के स्टाफ़ चैट से उनकी "
            "प्रतियाँ भी हटा देंगे। अब कुछ नहीं भेजा जाएगा। इसे वापस नहीं किया जा सकता।"
        ),
    },
    "button_forget": {"en": "Yes, erase my data", "hi": "Yes / हाँ, मेरा डेटा मिटाएँ"},
    "forget_done": {
        "en": (
            "Your data has been erased: your name, your chat with us, your messages, photos, "
            "files and check-in answers. The copies in the clinic team's staff chat are "
            "being removed (if Telegram keeps the bot from deleting an old one, the team is "
            "asked to delete it). The clinic keeps, without your name or chat, only which "
            "treatment you had and when, and which of its messages were sent. Goodbye, and "
            "take care. Contact: {contact}"
        ),
        "hi": (
            "आपका डेटा मिटा दिया गया है: आपका नाम, हमारे साथ आपकी चैट, आपके संदेश, फ़ोटो, "
            "फ़ाइलें और चेक-इन उत्तर। क्लिनिक टीम के स्टाफ़ चैट में उनकी प्रतियाँ हटाई जा रही "
            "हैं (अगर Telegram बॉट को कोई पुरानी प्रति हटाने नहीं देता, तो टीम से उसे हटाने को "
            "कहा जाता है)। क्लिनिक के पास, आपके नाम और चैट के बिना, केवल यह रहता है कि आपका "
            "कौन-सा उपचार कब हुआ और उसके कौन-से संदेश भेजे गए। अलविदा, अपना ध्यान रखें। संपर्क: {contact}"
        ),
    },
    "stopped_info": {
        "en": (
            "Your messages from {clinic} are switched off. To reach the clinic: {contact}\n"
            "To start again, ask the clinic for a new invite link."
        ),
        "hi": (
            "{clinic} से आपके संदेश बंद हैं। क्लिनिक से संपर्क: {contact}\n"
            "फिर शुरू करने के लिए क्लिनिक से नया निमंत्रण लिंक माँगें।"
        ),
    },
    # --- free text ------------------------------------------------------------------------
    "handoff": {
        "en": (
            "I've passed your question to the clinic team; they will reply here. "
            "If it is urgent: {contact}"
        ),
        "hi": (
            "मैंने आपका प्रश्न क्लिनिक टीम को भेज दिया है; वे यहीं उत्तर देंगे। "
            "अगर जल्दी है: {contact}"
        ),
    },
    "empty_text": {
        "en": "Please type your question in words.",
        "hi": "कृपया अपना प्रश्न शब्दों में लिखें।",
    },
    "text_only": {
        "en": "I can only read text messages. Please describe it in words, or contact the "
        "clinic: {contact}",
        "hi": "मैं केवल लिखे हुए संदेश पढ़ सकता हूँ। कृपया शब्दों में बताएँ, या क्लिनिक से "
        "संपर्क करें: {contact}",
    },
    # --- check-ins ------------------------------------------------------------------------
    "checkin_thanks": {
        "en": "Thank you, your answer is recorded.",
        "hi": "धन्यवाद, आपका उत्तर दर्ज हो गया है।",
    },
    "checkin_escalated": {
        "en": (
            "Thank you for telling us. The clinic team has been told and will contact you. "
            "If it gets worse: {contact}"
        ),
        "hi": (
            "बताने के लिए धन्यवाद। क्लिनिक टीम को सूचित कर दिया गया है, वे आपसे संपर्क करेंगे। "
            "अगर तकलीफ़ बढ़े: {contact}"
        ),
    },
    "checkin_already": {
        "en": "Your answer was already recorded.",
        "hi": "आपका उत्तर पहले ही दर्ज हो चुका है।",
    },
    "checkin_answer": {"en": "Your answer: <b>{answer}</b>", "hi": "आपका उत्तर: <b>{answer}</b>"},
    "error_reply": {
        "en": (
            "Sorry, something went wrong on our side. Please try again in a moment, "
            "or contact the clinic directly."
        ),
        "hi": (
            "क्षमा करें, हमारी ओर से कुछ गड़बड़ हो गई। कृपया थोड़ी देर में फिर से कोशिश करें, "
            "या सीधे क्लिनिक से संपर्क करें।"
        ),
    },
    "button_stale": {
        "en": "This button is no longer active.",
        "hi": "यह बटन अब सक्रिय नहीं है।",
    },
}


# The replies around free text, joining, /faq and /plan live in patient_replies.py; those of
# a course of treatment (bookings, recalls, photo check-ins, the outcome) in course.py.
TEXTS: Mapping[str, Mapping[str, str]] = {**_TEXTS, **REPLY_TEXTS, **COURSE_TEXTS}


def consent_version(language: str) -> str:
    """The version of the consent question a patient saw in `language`: the SHA-256 of its
    wording (the template and the accepting button, before the clinic's values go in), so
    the consent record names exactly which text was agreed to."""
    language = ui_language(language)
    wording = "\n".join((TEXTS["invite_intro"].get(language) or TEXTS["invite_intro"][FALLBACK],
                         button("button_accept", language)))
    return hashlib.sha256(wording.encode()).hexdigest()


def t(key: str, language: str, /, **values: object) -> str:
    """The text `key` in `language` (English when missing) with every value HTML-escaped."""
    variants = TEXTS[key]
    template = variants.get(language) or variants[FALLBACK]
    return template.format(**{name: html.escape(str(value)) for name, value in values.items()})


def help_text(language: str, /, **values: object) -> str:
    """/help for a patient: the "help" text around the command table's lines."""
    variants = TEXTS["help"]
    template = variants.get(language) or variants[FALLBACK]
    escaped = {name: html.escape(str(value)) for name, value in values.items()}
    return template.format(commands=help_lines(PATIENT_COMMANDS, language), **escaped)


def missing_translations(languages: Sequence[str]) -> list[str]:
    """One line per declared language the patient texts or command table do not cover."""
    problems = []
    for language in languages:
        keys = [key for key, variants in TEXTS.items() if language not in variants]
        commands = commands_missing(PATIENT_COMMANDS, language)
        if language not in LANGUAGE_NAMES:
            keys.insert(0, "(language name)")
        if weekdays(language) is None:
            keys.insert(0, "(day names, core/texts/calendar.py)")
        if keys or commands:
            shown = ", ".join(keys[:8]) + (f" and {len(keys) - 8} more" if len(keys) > 8 else "")
            parts = [f"{len(keys)} text(s): {shown}"] if keys else []
            if commands:
                parts.append("command menu/help: " + ", ".join(commands))
            problems.append(
                f"patient texts have no {language!r} translation ({'; '.join(parts)}); "
                "patients would read English"
            )
    return problems


def button(key: str, language: str) -> str:
    """A button label: plain text (Telegram never parses button texts as HTML)."""
    variants = TEXTS[key]
    return variants.get(language) or variants[FALLBACK]


def ui_language(language: str | None) -> str:
    """The language our own texts use for `language` (content may know more languages)."""
    return language if language in LANGUAGES else FALLBACK
