"""The command table: every command, its menu entry and its /help line, per audience.

One row here feeds the handler registration (bot/patient_handlers.py, bot/staff_handlers.py
look their callbacks up by name), the command menus Telegram shows (patients: one menu per
language; staff: English) and the /help texts. Adding a patient command = a row here, its
`menu_<name>` and `help_<name>` in each texts/<language>.toml, and its handler in
bot/patient_handlers.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from core.texts.catalog import FALLBACK, installed

# A patient command's menu entry and /help line in the catalogs: menu_<name>, help_<name>.
COMMAND_KEYS = ("menu_", "help_")


@dataclass(frozen=True, kw_only=True)
class Command:
    """One command. `menu` is plain text; `usage` and `help` are HTML (help lines). A row
    without its own `menu` and `help` (the patients') takes them from the catalogs."""

    name: str
    menu: Mapping[str, str] = field(default_factory=dict)  # language -> menu description
    help: Mapping[str, str] = field(default_factory=dict)  # language -> the /help line's words
    usage: str = ""  # arguments shown after the command in /help (HTML)

    def text(self, part: str, language: str) -> str | None:
        """Its menu entry ("menu") or help words ("help") in `language`, None when missing."""
        own = self.menu if part == "menu" else self.help
        if own:
            return own.get(language)
        known = installed().get(language)
        found = known.texts.get(f"{part}_{self.name}") if known is not None else None
        return found if isinstance(found, str) else None

    def shown(self, part: str, language: str) -> str:
        """As `text`, English when missing."""
        return self.text(part, language) or self.text(part, FALLBACK) or ""

    def help_line(self, language: str) -> str:
        usage = f" {self.usage}" if self.usage else ""
        return f"/{self.name}{usage} — {self.shown('help', language)}"


PATIENT_COMMANDS: tuple[Command, ...] = (
    Command(name="plan"),
    Command(name="faq"),
    Command(name="calendar"),
    Command(name="language"),
    Command(name="timezone"),
    Command(name="stop"),
    Command(name="forget"),
    Command(name="help"),
)

# Staff read English; their menu is shown in admins' private chats above the patient one.
STAFF_COMMANDS: tuple[Command, ...] = (
    Command(
        name="enroll",
        menu={"en": "Enroll a patient and get their invite link"},
        help={"en": (
            "guided enrollment (or one line: "
            "<code>/enroll &lt;procedure&gt; [time] [label…]</code>; time e.g. "
            "<code>next monday 10:30</code>, <code>tomorrow 11</code>, "
            "<code>15/12/2026 10:00</code>)"
        )},
    ),
    Command(
        name="invite",
        menu={"en": "A new invite link for a patient who has not joined"},
        help={"en": "a new link when the first never arrived (the old one stops working)"},
        usage="&lt;id&gt;",
    ),
    Command(
        name="patients",
        menu={"en": "Recent patients"},
        help={"en": "recent patients; add words to find them by label, a number for a page"},
        usage="[label words] [page]",
    ),
    Command(
        name="patient",
        menu={"en": "One patient's plan and delivery status"},
        help={"en": "plan and delivery status"},
        usage="&lt;id&gt;",
    ),
    Command(
        name="cancel",
        menu={"en": "Cancel a patient's reminders"},
        help={"en": "cancel the patient's reminders (asks first; undo for a day)"},
        usage="&lt;id&gt;",
    ),
    Command(
        name="undo",
        menu={"en": "Undo a cancel (within a day)"},
        help={"en": "undo your latest cancel, or that patient's"},
        usage="[&lt;id&gt;]",
    ),
    Command(
        name="reschedule",
        menu={"en": "Move a patient's session time"},
        help={"en": "new session time (clinic time)"},
        usage="&lt;id&gt; &lt;time&gt;",
    ),
    Command(
        name="session",
        menu={"en": "Record a new session of a patient's procedure"},
        help={"en": (
            "a session done now (or at a past time): its care starts, the earlier plan is "
            "superseded; a future time books it (pre-care, then a confirmation request); "
            "<code>noshow</code> records a booked session as missed"
        )},
        usage="&lt;id&gt; [time|noshow]",
    ),
    Command(
        name="cases",
        menu={"en": "Open cases, oldest first"},
        help={"en": "open cases, oldest first, with kind, age and who holds them"},
    ),
    Command(
        name="case",
        menu={"en": "One case with its messages"},
        help={"en": "one case, its status and the messages that joined it"},
        usage="&lt;id&gt;",
    ),
    Command(
        name="stats",
        menu={"en": "Delivery and patient statistics"},
        help={"en": "delivery and patient statistics"},
    ),
    Command(
        name="console",
        menu={"en": "Sign in to the staff console"},
        help={"en": "a one-time sign-in link to the staff console (private chat)"},
    ),
    Command(
        name="myid",
        menu={"en": "My Telegram user id (and this chat's id)"},
        help={"en": "your user id, and in a group its chat id (works for anyone: first set-up)"},
    ),
    Command(
        name="staff",
        menu={"en": "Admins: list, add or remove staff"},
        help={"en": "admins only"},
        usage="list|add|remove [@username|&lt;user-id&gt;]",
    ),
)


def menu(commands: Sequence[Command], language: str) -> list[tuple[str, str]]:
    """(name, description) pairs for Telegram's menu in `language` (English when missing)."""
    return [(c.name, c.shown("menu", language)) for c in commands]


def help_lines(commands: Sequence[Command], language: str) -> str:
    """One "/name usage — what it does" line per command."""
    return "\n".join(command.help_line(language) for command in commands)


def missing_translations(commands: Sequence[Command], language: str) -> list[str]:
    """Commands whose menu entry or help line has no `language` text."""
    return [c.name for c in commands
            if c.text("menu", language) is None or c.text("help", language) is None]
