"""What needs a person although it is no red flag, and what needs nobody: the patient's own
symptoms, their distress, requests to change something, and calm news ("all good now").

These are the product's language knowledge (like core.cues), in English, Hindi and
romanised Hindi; the clinic's red flags stay in content/red_flags.toml. core.triage finds
the symptom words and judges whose they are; core.understanding uses the rest.

- EXPECTED symptoms are normal in the first days (soreness, itching, tightness): before
  the protocol's `settle_days` they get the reassuring reply, later a person looks.
- UNEXPECTED symptoms (a lump, numbness, a headache) always reach a person.
- DISTRESS (a plea, fear, a worried emoji) reaches a person with or without a symptom.
- INTENSE words ("a lot", "can't sleep", "bahut") make an expected symptom a concern on
  any day; LASTING_STRONG ones ("so much", "itni", "achanak") a swelling, bruise or
  redness in the first days.
- REQUESTS (reschedule, cancel, book, call me, bring someone, why did my reminders stop)
  reach a person, never an FAQ topic alone.
- FINE: "all good", "fine now", "ab theek hu": calm news, a friendly answer and no case.
"""

from __future__ import annotations

from core.cues import Grams

EXPECTED = {
    "en": (
        "sore", "soreness", "tender", "tenderness", "ache", "aching", "achy", "hurts", "hurt",
        "hurting", "pain", "painful", "itch", "itchy", "itching", "itches", "tight",
        "tightness", "burning", "burns", "burn", "stinging", "stings", "sting", "warm",
        "sensitive", "dry", "dryness", "flaky", "flaking", "peeling", "scab", "scabs",
        "crusty", "pricking", "prickly", "tiny bumps", "small bumps", "bumps",
        "discomfort", "uncomfortable", "heavy", "tingling", "tingly", "tingle",
    ),
    "hi": (
        "दर्द", "जलन", "खुजली", "चुभन", "खिंचाव", "टाइट", "दुख", "दुखता", "दुखती", "पपड़ी",
        "सूखी", "रूखी", "रूखा", "गरम", "गर्म", "दाने", "झुनझुनी", "झनझनाहट", "पपड़ी उतर",
        "खिंचाव", "rukhi", "rukha", "papdi utar", "khinchi", "khincha",
        "dard", "jalan", "khujli", "khujali", "chubhan", "khinchav", "tight", "dukh",
        "dukhta", "dukhti", "papdi", "sukhi", "garam", "jhunjhuni",
        "jhanjhanahat",
    ),
}
UNEXPECTED = {
    "en": (
        "numb", "numbness", "pins and needles", "lump", "firm bump", "firm lump", "thinner",
        "thinning", "thin patch", "bald spot",
        "bump under", "under the skin", "raised bump",
        "lumps", "knot", "nodule", "hard bump", "hard spot", "hardness", "uneven",
        "asymmetric", "lopsided", "dent", "dimple", "discoloured", "discolored",
        "discolouration", "discoloration", "headache", "migraine", "nausea", "nauseous",
        "queasy", "weak", "weakness", "palpitations", "heart racing", "heart is racing",
        "rash", "pimples", "pimple", "acne", "breakout", "breaking out", "whiteheads",
        "boil", "boils", "hair fall", "hair falling", "hair loss", "losing hair", "bald",
        "bald patch", "shedding", "drooping", "droopy", "twitching", "throbbing", "stiff",
        "fluid", "bleeding", "bled", "blood", "bleed", "scar", "scarring", "wound", "cut",
        "open sore", "lesion", "worse", "strange", "weird", "wrong",
        "not normal", "abnormal", "unusual", "infected", "sick", "unwell", "ill",
    ),
    "hi": (
        "सुन्न", "गांठ", "गाँठ", "सिरदर्द", "सिर दर्द", "जी मिचला", "मितली",
        "कमजोरी", "कमज़ोरी", "फुंसी", "फुंसियां", "मुंहासे", "बाल झड़", "बाल गिर", "खून",
        "अजीब", "गड़बड़", "खराब", "बीमार", "घाव", "धड़कन", "उभरा", "उभार", "सिर भारी",
        "सर दर्द", "सर में दर्द", "सिर में दर्द", "दाने निकल",
        "sunn", "sun pad", "gaanth", "ganth", "gath",
        "sirdard", "sir dard", "sar dard", "ji michla", "ji machla", "jee machla", "ji machal",
        "ulti jaisa", "man kharab", "ji ghabra",
        "kamzori", "kamjori", "phunsi", "phunsiya", "muhase", "baal jhad", "baal gir",
        "khoon", "khun", "ajeeb", "ajib", "gadbad", "kharab", "bimar", "ghaav", "ghav",
        "dhadkan", "ubhra", "ubhar", "skin ke neeche", "sir bhari", "sar bhari", "sar me dard",
        "sir me dard", "dane nikal", "daane nikal",
    ),
}
DISTRESS = {
    "en": (
        "worried", "worrying", "worry", "scared", "afraid", "frightened", "panic",
        "panicking", "anxious", "nervous", "concerned", "help me", "please help", "pls help",
        "plz help", "urgent", "urgently", "emergency", "asap", "call me", "ring me",
        "something is wrong", "something wrong", "freaking out", "terrified",
        "doctor asap", "please advise", "kindly advise", "advise me", "ruined", "feeling low",
        "upset", "depressed", "crying", "regret", "what now", "stressed", "stress",
        "guilty", "panicking",
    ),
    "hi": (
        "डर", "घबराहट", "घबरा", "परेशान", "चिंता", "मदद", "जल्दी", "क्या करूं", "क्या करू",
        "dar", "darr", "dar lag", "ghabrahat", "ghabra", "pareshan", "chinta",
        "madad", "help karo", "jaldi", "kya karu", "kya karun", "kya kru",
        "call karo", "call kar lo", "phone karo", "udaas", "उदास", "dukhi", "ab kya", "अब क्या",
        "tension ho", "टेंशन हो", "guilt ho",
    ),
}
# Fear of the treatment itself ("scared of needles", "sui se dar lagta hai") asks whether
# it hurts (the FAQ), it is no distress about a symptom.
PROCEDURE_FEARS = frozenset({
    "needle", "needles", "injection", "injections", "sui", "suiyan", "सुई", "इंजेक्शन",
    "book", "try", "session", "sessions", "treatment", "सेशन", "ट्रीटमेंट",
})
# ... the needles themselves anywhere in a question ("does it hurt? I'm scared").
NEEDLES = frozenset({
    "needle", "needles", "injection", "injections", "sui", "suiyan", "सुई", "इंजेक्शन",
})
# An aftercare slip the patient owns up to: a person should know, however it is told.
SLIPS = {
    "en": (
        "by mistake", "not supposed to", "wasnt supposed to", "shouldnt have", "forgot to",
        "before reading the instructions", "going to be a problem", "will that be a problem",
        "did i ruin", "i messed up", "messed up", "mess it up", "ruin the results",
        "didnt ruin", "without thinking", "totally forgot", "affect anything",
        "affect the results", "feel guilty",
    ),
    "hi": (
        "galti", "गलती", "mana tha", "मना था", "bhool gayi", "bhool gaya", "भूल गई", "भूल गया",
        "bigda to", "bigad to", "बिगड़ा तो", "kharab to nahi", "kharab to nhi", "खराब तो नहीं",
        "koi problem to nahi", "koi problem to nhi", "कोई प्रॉब्लम तो नहीं",
    ),
}
# A plea asks even as a question ("ab kya karu?").
PLEAS = frozenset({
    "kya karu", "kya karun", "kya kru", "क्या करूं", "क्या करू", "ab kya", "अब क्या",
    "what now", "help me", "please help", "pls help", "plz help", "help karo", "madad",
    "मदद", "call me", "call karo", "call kar lo", "phone karo", "please advise",
})
# "still" alone is said of what is expected early too ("still some redness"); these say
# it will not go away, a concern on any day.
STUBBORN = frozenset({
    "not going down", "not gone", "hasn't gone", "haven't gone", "not getting better",
    "not improving", "won't go", "doesn't go", "not reducing", "not reduced", "no better",
    "कम नहीं", "गई नहीं", "नहीं गई", "नहीं गया", "kam nahi", "gayi nahi", "nahi gayi",
    "nahi gaya", "gaya nahi", "जा नहीं रही", "जा नहीं रहा", "जा ही नहीं", "ja nahi rahi",
    "ja nahi raha", "ja hi nahi", "persists", "persisting",
})
# An expected symptom said like this is a concern on any day.
INTENSE = frozenset({
    "very", "really", "so", "lot", "lots", "crazy", "terrible", "terribly", "badly", "bad",
    "worse", "worst", "awful", "horrible", "unbearable", "extremely", "extreme", "too",
    "constant", "constantly", "nonstop", "all", "night", "sleep", "keeps", "much",
    "bahut", "bohot", "bhot", "bht", "bahot", "jyada", "zyada", "jada", "zyda", "jyda",
    "bilkul", "poori", "puri", "raat", "neend", "lagatar",
    "बहुत", "ज्यादा", "ज़्यादा", "लगातार", "रात", "नींद", "पूरी",
})
# Swelling, bruising or redness said like this is a concern even in the first days ("both
# eyelids swelled up so much", "itni sooj gayi", "अचानक"); narrower than INTENSE, whose
# "all" and "night" say more of an itch than of a swelling ("swelled a bit overnight").
LASTING_STRONG = frozenset({
    "very", "really", "so", "lot", "lots", "crazy", "terrible", "terribly", "badly",
    "awful", "horrible", "extremely", "extreme", "too", "much", "huge", "massive",
    "double", "doubled", "suddenly", "sudden",
    "bahut", "bohot", "bhot", "bht", "bahot", "jyada", "zyada", "jada", "zyda", "jyda",
    "itni", "itna", "itne", "achanak", "बहुत", "ज्यादा", "ज़्यादा", "इतनी", "इतना", "इतने",
    "अचानक",
})
# Getting worse, said anywhere in the sentence of an expected symptom: no longer the first
# days' normal course ("jalan 2 din se ho rahi, aur badh rahi").
WORSENING = frozenset({
    "worse", "worsening", "increasing", "spreading", "growing", "double", "doubled",
    "dugna", "dugni", "doguna", "दुगना", "दुगनी", "दोगुना",
    "badh", "badhti", "badhta", "badhte", "badhi", "badha", "barh", "barhti", "phail",
    "बढ", "बढती", "बढता", "बढते", "बढी", "फैल",
    # ड for ढ, as phone keyboards often give it ("सुजन बड रही है"); not "बडी" (big)
    "बड", "बडती", "बडता", "बडते",
})
# A bruise in these colours is healing ("green-yellow", "peela pad raha").
HEALING_COLOURS = frozenset({
    "yellow", "yellowish", "green", "greenish", "brown", "brownish", "peela", "peeli",
    "pila", "pili", "hara", "hari", "पीला", "पीली", "पीले", "हरा", "हरी", "भूरा",
})
# Emoji a worried patient sends; any of them in a message reaches a person.
WORRIED_EMOJI = frozenset(
    "😟😧😨😰😱😢😭🤒🤕😣😖😫😩🥺😥😓😔☹🙁🆘🚨🥶🤢🤮😵💔"
)
# Emoji that name a symptom, read as its word: "🤮🤮 4 baar subah se", "tissue after tissue
# 🩸🩸 not stopping", "🤒 since last night".
SYMPTOM_EMOJI = {"🤮": " vomiting ", "🩸": " blood ", "🤒": " fever "}


def emoji_as_words(text: str) -> str:
    """`text` with each symptom emoji as its word (SYMPTOM_EMOJI)."""
    for emoji, word in SYMPTOM_EMOJI.items():
        if emoji in text:
            text = text.replace(emoji, word)
    return text

# A call for help, whatever else the message says: never small talk ("help" alone is no
# thanks "for your help"; the learned small-talk reader may not take it for one).
CALLS_FOR_HELP = Grams(
    ("help",), ("sos",), ("save", "me"), ("madad",), ("bachao",), ("bachaao",), ("मदद",),
    ("बचाओ",),
)

# Requests: the patient wants something changed or done by a person.
REQUESTS = Grams(
    ("reschedule",), ("rescheduling",), ("rescheduled",), ("postpone",), ("prepone",),
    ("cancel",), ("cancelled",), ("canceled",), ("cancelling",), ("canceling",),
    ("cancellation",), ("refund",), ("invoice",), ("receipt",),
    ("hold", "my"), ("hold", "the", "slot"), ("running", "late"), ("mat", "kaatna"),
    ("like", "to", "book"), ("want", "to", "book"), ("book", "my"), ("book", "the", "next"),
    ("book", "her"), ("book", "him"), ("book", "us"), ("book", "kr"), ("बुक", "कर"),
    ("book", "an"), ("book", "a"), ("dates", "free"), ("free", "slots"), ("slots", "free"),
    ("available", "slots"), ("any", "slot"), ("book", "me"), ("book", "krna"),
    ("book", "karna"), ("comes", "with"), ("come", "with"), ("waits", "outside"), ("consult",),
    ("consultation",), ("set", "up", "a"), ("share", "the", "bill"), ("send", "the", "bill"),
    ("gst",), ("aage", "kr"), ("लगा", "दो"), ("laga", "do"),
    ("move", "my"), ("move", "the"), ("shift", "my"), ("shift", "the"), ("shift", "it"),
    ("change", "my"), ("change", "the", "date"), ("change", "the", "time"),
    ("another", "date"), ("another", "day"), ("another", "time"), ("different", "day"),
    ("different", "time"), ("call", "me"), ("call", "back"), ("callback",), ("ring", "me"),
    ("phone", "me"), ("talk", "to"), ("speak", "to"), ("speak", "with"),
    ("bring", "my"), ("bring", "a"), ("bring", "her"), ("bring", "him"),
    ("come", "with", "me"), ("come", "along"), ("accompany",),
    ("not", "getting"), ("stopped", "getting"), ("didnt", "get"), ("havent", "got"),
    ("havent", "received"), ("no", "reminders"), ("no", "messages"),
    ("stop", "sending"), ("stop", "the", "messages"), ("stop", "these"),
    ("stop", "the", "reminders"), ("stop", "messaging"), ("unsubscribe",),
    ("kensel",), ("kainsal",), ("cancle",),
    ("shift", "kar"), ("shift", "karo"), ("shift", "kr"), ("change", "kar"),
    ("change", "karo"), ("badal", "do"), ("badal", "sakte"), ("badalna",), ("aage", "kar"),
    ("call", "kar"), ("call", "karo"), ("call", "kr"), ("phone", "kar"), ("phone", "karo"),
    ("baat", "karni"), ("baat", "kar"), ("baat", "karwa"), ("baat", "krwa"), ("saath", "la"),
    ("sath", "la"), ("saath", "le"),
    ("sath", "le"), ("le", "aa"), ("la", "sakti"), ("la", "sakta"), ("book", "kar"),
    ("mat", "bhejo"), ("band", "karo"), ("band", "kar", "do"), ("reminder", "band", "ho"),
    ("message", "nahi", "aaya"), ("koi", "message", "nahi"), ("msg", "nahi", "aaya"),
    ("msg", "nhi", "aaya"), ("koi", "msg"), ("reminders", "off"), ("reminder", "off"),
    ("messages", "stopped"), ("reminders", "stopped"), ("stopped", "coming"),
    ("कैंसल",), ("कैन्सल",), ("रद्द",), ("बदल", "दो"), ("बदल", "दीजिए"), ("बदल", "सकते"),
    ("शिफ्ट",), ("आगे", "कर"), ("कॉल", "कर"), ("फोन", "कर"), ("फ़ोन", "कर"), ("बात", "कर"),
    ("बात", "करवा"), ("साथ", "ला"), ("साथ", "ले"), ("रिफंड",), ("मत", "भेजो"),
    ("बंद", "कर", "दो"), ("रिमाइंडर", "बंद", "हो"), ("मेसेज", "नहीं", "आया"),
    ("मैसेज", "नहीं", "आया"), ("कोई", "मेसेज", "नहीं"), ("कोई", "मैसेज", "नहीं"),
)
# Weaker signs of a request, which give way to an FAQ answer for a question ("should I
# stop fish oil before my appointment?" asks the FAQ; "I'd like to book" asks a person).
WEAK_REQUESTS = Grams(
    ("book",), ("booking",), ("appointment",), ("appt",), ("अपॉइंटमेंट",), ("बुक",),
    ("बुकिंग",), ("कॉल",),
)
# With a weak sign, asking for it to be done makes it a request ("शनिवार वाली अपॉइंटमेंट
# अगले हफ्ते कर दीजिए").
IMPERATIVES = Grams(
    ("kar", "do"), ("kr", "do"), ("kar", "dijiye"), ("kar", "dijie"), ("कर", "दो"),
    ("कर", "दीजिए"), ("कर", "दीजिये"), ("please",), ("plz",), ("pls",), ("प्लीज",),
    ("can", "you"), ("could", "you"),
)
# A request's words in a question about how things work are no request: "how do I stop
# the messages?" is answered by the FAQ.
HOW_QUESTIONS = Grams(
    ("how", "do", "i"), ("how", "can", "i"), ("how", "to"), ("kaise",), ("कैसे",),
    ("how", "many"), ("how", "much"), ("how", "often"),
)

# Calm news: nothing needs doing.
FINE = Grams(
    ("all", "good"), ("all", "fine"), ("all", "ok"), ("all", "okay"), ("all", "well"),
    ("fine", "now"), ("ok", "now"), ("okay", "now"), ("good", "now"), ("better", "now"),
    ("normal", "now"), ("gone", "now"), ("im", "fine"), ("i", "am", "fine"), ("im", "ok"),
    ("im", "okay"), ("totally", "fine"), ("completely", "fine"), ("perfectly", "fine"),
    ("feeling", "better"), ("feeling", "good"), ("feeling", "fine"), ("feel", "fine"),
    ("feel", "good"), ("feel", "better"), ("looks", "fine"), ("looks", "good"),
    ("looks", "great"), ("looks", "normal"), ("no", "issues"), ("no", "problem"),
    ("no", "problems"), ("nothing", "else"),
    ("ab", "theek"), ("ab", "thik"), ("theek", "hu"), ("thik", "hu"), ("theek", "hoon"),
    ("theek", "hai"), ("thik", "hai"), ("sab", "theek"), ("sab", "thik"), ("sab", "badhiya"),
    ("badhiya",), ("accha", "hai"), ("acha", "hai"),
    ("अब", "ठीक"), ("ठीक", "हूं"), ("ठीक", "हूँ"), ("ठीक", "है"), ("सब", "ठीक"), ("बढ़िया",),
    ("अच्छा", "है"), ("on", "my", "way"), ("reaching", "in"), ("pahuchta",), ("pahuchti",),
    ("pahunch", "raha"), ("pahunch", "rahi"), ("पहुंच", "रहा"), ("पहुंच", "रही"),
)
# "had a temperature on Sunday, it passed", "pehle bukhar tha ab nahi": a later clause
# says it is over.
NOW_FINE = Grams(
    ("fine", "now"), ("ok", "now"), ("okay", "now"), ("good", "now"), ("better", "now"),
    ("normal", "now"), ("gone", "now"), ("now", "fine"), ("now", "ok"), ("now", "okay"),
    ("now", "normal"), ("now", "better"), ("now", "its", "fine"), ("now", "its", "gone"),
    ("it", "passed"), ("passed",), ("went", "away"), ("gone",), ("totally", "fine"),
    ("completely", "fine"), ("im", "fine"), ("i", "am", "fine"), ("im", "ok"), ("im", "okay"),
    ("ab", "nahi"), ("ab", "nhi"), ("ab", "nai"), ("ab", "theek"), ("ab", "thik"),
    ("ab", "normal"), ("theek", "hu"), ("thik", "hu"), ("theek", "hoon"), ("chala", "gaya"),
    ("chali", "gayi"), ("utar", "gaya"), ("अब", "नहीं"), ("अब", "ठीक"), ("ठीक", "हूं"),
    ("ठीक", "हूँ"), ("चला", "गया"), ("चली", "गई"), ("उतर", "गया"),
    ("uske", "baad", "kuch", "nahi"), ("baad", "me", "kuch", "nahi"), ("fine", "since"),
    ("perfectly", "fine"), ("been", "fine"), ("it", "stopped"), ("stopped",), ("sab", "thik"),
    ("sab", "theek"), ("सब", "ठीक"),
    ("baad", "mein", "kuch", "nahi"), ("since", "then", "nothing"), ("nothing", "since"),
    ("after", "that", "nothing"), ("उसके", "बाद", "कुछ", "नहीं"), ("तब", "से", "कुछ", "नहीं"),
    ("tab", "se", "kuch", "nahi"), ("uske", "baad", "se", "kuch", "nahi"), ("all", "fine"),
    ("all", "good"),
    ("fully", "fine"), ("now", "fully"), ("ab", "bilkul"), ("bilkul", "fit"), ("fit", "hu"),
    ("theek", "ho", "gaya"), ("thik", "ho", "gaya"), ("theek", "ho", "gayi"),
    ("ठीक", "हो", "गया"), ("ठीक", "हो", "गई"), ("अब", "बिल्कुल"), ("fit", "हूँ"),
    ("fit", "हूं"), ("fit", "hoon"),
    # "kal kapkapi thi, aaj ekdum normal", "... आज बिलकुल ठीक", "subah tak theek"
    ("अब", "बिलकुल"), ("aaj", "normal"), ("aaj", "ekdum"), ("aaj", "bilkul"), ("aaj", "thik"),
    ("aaj", "theek"), ("aaj", "sab"), ("आज", "बिलकुल"), ("आज", "बिल्कुल"), ("आज", "ठीक"),
    ("आज", "सब"), ("आज", "नॉर्मल"), ("today", "fine"), ("today", "normal"), ("today", "all"),
    ("today", "its", "fine"), ("today", "im", "fine"), ("fine", "today"), ("normal", "today"),
    ("subah", "tak", "theek"), ("subah", "tak", "thik"), ("सुबह", "तक", "ठीक"),
    ("by", "morning", "it", "was", "gone"), ("fine", "by", "morning"),
    ("is", "baar", "kuch", "nahi"), ("इस", "बार", "कुछ", "नहीं"), ("this", "time", "nothing"),
)
# A symptom that goes on: "had a fever last night and still have it" is not over.
STILL = Grams(
    ("still",), ("again",), ("abhi", "bhi"), ("ab", "bhi"), ("abhi", "tak"), ("ab", "tak"),
    ("अभी", "भी"), ("अब", "भी"), ("अभी", "तक"), ("अब", "तक"), ("phir", "se"), ("fir", "se"),
    ("फिर", "से"),
)
# What a symptom is called: "the swelling is gone" says the swelling is over, not the
# fever said before it.
SUBJECTS = frozenset({
    "swelling", "swollen", "puffy", "puffiness", "bruise", "bruises", "bruising", "redness",
    "rash", "pain", "ache", "itching", "itch", "itchiness", "fever", "temperature", "pus",
    "bleeding", "blood", "burning", "headache", "dizziness", "chills", "pimples", "bumps",
    "spots", "blisters", "numbness", "tingling", "soreness", "tenderness", "marks",
    "sujan", "soojan", "sujjan", "neel", "lali", "laali", "dard", "khujli", "bukhar",
    "bukhaar", "jalan", "khoon", "khun", "daane", "dane", "chhale", "mawad",
    "सूजन", "नील", "लाली", "दर्द", "खुजली", "बुखार", "जलन", "खून", "दाने", "छाले", "मवाद",
})
# "baaki sab thik hai", "otherwise fine": the rest is fine, not the symptom.
OTHERWISE = frozenset({"baaki", "baki", "baqi", "बाकी", "बाक़ी", "else", "otherwise", "rest"})
# "I'm fine": a question from someone who says so asks for information ("is breathing
# trouble a side effect? i read about it online, i'm totally fine").
SELF_FINE = Grams(
    ("im", "fine"), ("i", "am", "fine"), ("im", "ok"), ("im", "okay"), ("im", "totally"),
    ("i", "feel", "fine"), ("im", "good"), ("i", "am", "good"), ("nothing", "like", "that"),
    ("mujhe", "kuch", "nahi"), ("mujhe", "kuch", "nhi"), ("theek", "hu"), ("thik", "hu"),
    ("theek", "hoon"), ("मुझे", "कुछ", "नहीं"), ("ठीक", "हूं"), ("ठीक", "हूँ"),
)
# Laughing and money or everyday trouble in one sentence: a figure of speech ("my wallet
# is bleeding haha", "jeb se khoon nikal raha 😂", "cricket ka bukhar 😂").
LAUGHS = frozenset({"haha", "hahaha", "hehe", "lol", "lmao", "rofl"})
LAUGH_EMOJI = frozenset("😂🤣😆😄😅😁😜🙈")
FIGURATIVE = frozenset({
    "compliments", "compliment", "tareef", "tarif", "tareefein", "तारीफ़", "तारीफ", "praise",
    "wallet", "pocket", "purse", "money", "bank", "account", "bill", "traffic", "exam",
    "instructions", "information", "info", "work", "meeting", "deadline", "kids",
    "exams", "boss", "office", "cricket", "match", "jeb", "paise", "paisa", "kharcha",
    "जेब", "पैसे", "पैसा", "ऑफिस", "क्रिकेट", "मैच", "ट्रैफिक", "बॉस", "खर्चा",
})
# Someone writing for the patient: the third person they speak of is the patient.
CARERS = Grams(
    ("writing", "for"), ("on", "behalf"), ("writing", "on", "behalf"), ("messaging", "for"),
    ("ki", "taraf", "se"), ("ke", "liye", "likh"), ("की", "तरफ़", "से"), ("की", "तरफ", "से"),
    ("के", "लिए", "लिख"), ("likh", "rha"), ("likh", "raha"), ("likh", "rahi"), ("likh", "rhi"),
    ("लिख", "रहा"), ("लिख", "रही"),
    # "this is her husband writing"
    ("husband", "writing"), ("wife", "writing"), ("son", "writing"), ("daughter", "writing"),
    ("mother", "writing"), ("father", "writing"), ("sister", "writing"), ("brother", "writing"),
)
# The treatment named in a message about someone else: they are the patient ("my mother
# had the treatment on Monday and she has fever").
TREATMENT = Grams(
    ("treatment",), ("treated",), ("session",), ("procedure",), ("meso",), ("mesotherapy",),
    ("injections",), ("injection",), ("sitting",), ("इंजेक्शन",), ("ट्रीटमेंट",), ("सेशन",),
    ("इलाज",), ("मेसो",),
    ("scalp", "done"), ("face", "done"), ("had", "his"), ("had", "her"),
    ("चेहरे", "का", "करवाया"), ("chehre", "ka", "karwaya"), ("face", "ka", "karwaya"),
)
# Nothing helps: a symptom expected early that no remedy eases is a concern.
NO_RELIEF = Grams(
    ("no", "relief"), ("not", "helping"), ("doesnt", "help"), ("nothing", "helps"),
    ("aaram", "nahi"), ("aram", "nahi"), ("आराम", "नहीं"), ("फर्क", "नहीं"),
    ("fark", "nahi"), ("farak", "nahi"),
)
# Figures of speech: these words are no symptom ("this traffic is killing me", "dying to
# see the results", "cricket ka bukhar").
IDIOMS = Grams(
    # A photo that came out blurry is no change of sight.
    ("blurry", "pic"), ("blurry", "photo"), ("blurry", "picture"), ("blurry", "image"),
    ("blurry", "selfie"), ("pic", "came", "out", "blurry"), ("photo", "came", "out", "blurry"),
    ("pic", "is", "blurry"), ("photo", "is", "blurry"), ("pic", "blurry"), ("photo", "blurry"),
    ("फोटो", "धुंधली"), ("फोटो", "धुंधला"), ("photo", "dhundhli"), ("pic", "dhundhli"),
    ("photo", "dhundhla"), ("pic", "dhundhla"), ("तस्वीर", "धुंधली"),
    ("killing", "me"), ("dying", "to"), ("dying", "for"), ("die", "for"),
    ("pain", "in", "the", "neck"), ("pain", "in", "the", "butt"), ("pain", "in", "the", "ass"),
    ("fever", "pitch"), ("sick", "of"), ("sick", "and", "tired"), ("burning", "question"),
    ("jaan", "le"), ("jaan", "nikal"), ("ka", "bukhar"), ("ka", "bukhaar"), ("का", "बुखार"),
    ("की", "बुखार"), ("जान", "ले"), ("जान", "निकल"), ("headache", "of"), ("itching", "to"),
    ("itchy", "feet"), ("spinning", "with"), ("heart", "attack"),
)
# Words that name no aftercare symptom although a symptom word is in them: "cold sore" is
# the pre-care question about herpes (the FAQ), not soreness.
NOT_SYMPTOMS = Grams(
    ("cold", "sore"), ("cold", "sores"), ("कोल्ड", "सोर"), ("warm", "regards"), ("warm", "wishes"),
    ("warmest", "regards"),
    # Remedies and water: "a cold compress", "hot shower" (no hot and cold by turns)
    ("cold", "compress"), ("cold", "compresses"), ("cold", "pack"), ("cold", "water"),
    ("hot", "water"), ("hot", "shower"), ("cold", "shower"), ("hot", "compress"),
    ("thanda", "pani"), ("thande", "pani"), ("garam", "pani"), ("ठंडा", "पानी"), ("ठंडे", "पानी"),
    ("गरम", "पानी"), ("ठंडी", "सिकाई"), ("thandi", "sikai"), ("cold", "drink"), ("cold", "drinks"),
)


def worried_emoji(text: str) -> bool:
    return not WORRIED_EMOJI.isdisjoint(text)


def laughing(text: str, words: tuple[str, ...]) -> bool:
    """Whether the message laughs ("haha", 😂): with money or traffic, a figure of speech."""
    return bool(set(words) & LAUGHS) or not LAUGH_EMOJI.isdisjoint(text)
