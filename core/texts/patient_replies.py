"""The bot's own replies around understanding free text, joining, /faq and /plan, in
English and Hindi (part of core/texts/patient.py's TEXTS; same rules: HTML templates,
`t()` escapes every value)."""

from __future__ import annotations

from collections.abc import Mapping

REPLY_TEXTS: Mapping[str, Mapping[str, str]] = {
    # --- free text ------------------------------------------------------------------------
    # A doubtful red flag: calm, and never silent. {emergency} is the clinic's route.
    "doubtful": {
        "en": (
            "Thank you for telling me. I've asked the clinic team to look at this; they "
            "will reply here. If it gets worse or you feel very unwell, do not wait for a "
            "reply: {emergency}"
        ),
        "hi": (
            "बताने के लिए धन्यवाद। मैंने क्लिनिक टीम से इसे देखने को कहा है; वे यहीं उत्तर "
            "देंगे। अगर तकलीफ़ बढ़े या बहुत तबीयत खराब लगे, तो उत्तर का इंतज़ार न करें: "
            "{emergency}"
        ),
    },
    # A red flag nobody at the clinic has picked up yet (escalation.patient_followup_minutes).
    "case_not_picked_up": {
        "en": (
            "I'm sorry: the clinic team has not picked up your message yet. They have been "
            "alerted again. If it is severe or getting worse, please do not wait: {emergency}"
        ),
        "hi": (
            "क्षमा करें: क्लिनिक टीम ने अभी तक आपका संदेश नहीं देखा है। उन्हें फिर से सूचित "
            "किया गया है। अगर तकलीफ़ गंभीर है या बढ़ रही है, तो कृपया इंतज़ार न करें: "
            "{emergency}"
        ),
    },
    # Added to the urgent reply outside clinic.hours: the clinic is closed, the route now.
    "after_hours": {
        "en": (
            "The clinic is closed right now (opening hours: {hours}), so please do not wait "
            "for the team: {emergency}"
        ),
        "hi": (
            "क्लिनिक अभी बंद है (खुलने का समय: {hours}), इसलिए कृपया टीम का इंतज़ार न करें: "
            "{emergency}"
        ),
    },
    "media_passed": {
        "en": (
            "Thank you, I've passed this to the clinic team; they will look at it and reply "
            "here. If it is urgent: {contact}"
        ),
        "hi": (
            "धन्यवाद, मैंने इसे क्लिनिक टीम को भेज दिया है; वे इसे देखकर यहीं उत्तर देंगे। "
            "अगर जल्दी है: {contact}"
        ),
    },
    # Added to the urgent reply once the alert is stored (never before: PRODUCT.md 4).
    "team_alerted": {
        "en": "✅ The clinic team has been alerted and will see your message.",
        "hi": "✅ क्लिनिक टीम को सूचित कर दिया गया है, वे आपका संदेश देखेंगे।",
    },
    # A request to change something (reschedule, cancel, call back): a person handles it.
    "request_passed": {
        "en": (
            "Thank you, I've passed your request to the clinic team; they will reply here. "
            "If it cannot wait: {contact}"
        ),
        "hi": (
            "धन्यवाद, मैंने आपका अनुरोध क्लिनिक टीम को भेज दिया है; वे यहीं उत्तर देंगे। "
            "अगर जल्दी है: {contact}"
        ),
    },
    # Calm news ("all good now", "no pain at all"): nothing for staff.
    "fine_news": {
        "en": "Good to hear. I'm here if anything changes: just write.",
        "hi": "यह जानकर अच्छा लगा। कुछ भी बदले तो मैं यहाँ हूँ: बस लिखें।",
    },
    "smalltalk": {
        "en": "👍 I'm here whenever you need me: just write your question.",
        "hi": "👍 जब भी ज़रूरत हो, मैं यहाँ हूँ: बस अपना प्रश्न लिखें।",
    },
    "did_you_mean_close": {
        "en": "Did you mean one of these? If not, please write your question in other words.",
        "hi": "क्या आपका मतलब इनमें से कोई है? अगर नहीं, तो कृपया अपना प्रश्न दूसरे शब्दों में लिखें।",
    },
    # Sent in the language the patient wrote in, with a button to switch to it.
    "language_offer": {
        "en": "You wrote in English, so I answered in English. Switch all messages to English?",
        "hi": (
            "आपने हिन्दी में लिखा, इसलिए मैंने हिन्दी में उत्तर दिया। क्या आगे से सभी संदेश "
            "हिन्दी में चाहिए?"
        ),
    },
    "button_language_switch": {"en": "Yes, in English", "hi": "हाँ, हिन्दी में"},
    # --- joining ----------------------------------------------------------------------------
    "code_cancelled": {
        "en": (
            "{clinic} has cancelled this invite, so it can no longer be used. If you think "
            "this is a mistake, please contact the clinic."
        ),
        "hi": (
            "{clinic} ने यह निमंत्रण रद्द कर दिया है, इसलिए अब इसका इस्तेमाल नहीं हो सकता। "
            "अगर आपको लगता है कि यह गलती है, तो कृपया क्लिनिक से संपर्क करें।"
        ),
    },
    "consent_language": {
        "en": "Another language? Tap it below.",
        "hi": "दूसरी भाषा चाहिए? नीचे दबाएँ।",
    },
    "first_now": {
        "en": "Your first messages are on their way.",
        "hi": "आपके पहले संदेश आ रहे हैं।",
    },
    "first_at": {
        "en": "Your first message comes {when}.",
        "hi": "आपका पहला संदेश {when} आएगा।",
    },
    "first_none": {
        "en": "No messages are planned for now.",
        "hi": "अभी कोई संदेश तय नहीं है।",
    },
    "when_today": {"en": "today at {time}", "hi": "आज {time} बजे"},
    "when_tomorrow": {"en": "tomorrow at {time}", "hi": "कल {time} बजे"},
    "when_date": {"en": "on {date} at {time}", "hi": "{date} को {time} बजे"},
    # --- /faq -------------------------------------------------------------------------------
    "faq_group_other": {"en": "Other questions", "hi": "अन्य प्रश्न"},
    "faq_choose_question": {"en": "Choose a question:", "hi": "एक प्रश्न चुनें:"},
    "button_faq_back": {"en": "« All topics", "hi": "« सभी विषय"},
    # --- when the team could not be told (the alert is not even queued) ------------------
    "alert_not_queued": {
        "en": (
            "I could not pass your message to the clinic team just now. If this needs "
            "attention, please contact the clinic yourself: {contact}. {emergency}."
        ),
        "hi": (
            "मैं अभी आपका संदेश क्लिनिक टीम तक नहीं पहुँचा सका। अगर इस पर ध्यान देना ज़रूरी "
            "है, तो कृपया खुद क्लिनिक से संपर्क करें: {contact}। {emergency}।"
        ),
    },
    "already_joined": {
        "en": "You are already signed up. /plan shows what is coming.",
        "hi": "आप पहले से जुड़े हुए हैं। /plan से आने वाले संदेश देखें।",
    },
    "code_throttled": {
        "en": (
            "Too many invite links that did not work from this chat. Please wait ten minutes, "
            "then open the link from {clinic} again, or ask them for a new one."
        ),
        "hi": (
            "इस चैट से बहुत से ऐसे लिंक आए जो काम नहीं करते। कृपया दस मिनट रुकें, फिर {clinic} "
            "का लिंक दोबारा खोलें, या उनसे नया लिंक माँगें।"
        ),
    },
}
