"""Every French catalogue is complete, and catalogues agree with each other.

Flask-Babel merges the per-domain catalogues; when two give one English text
two different French texts, the last one loaded wins everywhere, so they must agree.
"""

from collections import defaultdict
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = sorted(ROOT.glob("fablab/**/translations/fr/LC_MESSAGES/messages.po"))


def load(path: Path):
    with path.open("rb") as handle:
        return read_po(handle, locale="fr")


def key(message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def test_there_are_catalogues():
    assert len(CATALOGUES) >= 5


def test_every_message_is_translated():
    missing = [
        f"{path.relative_to(ROOT)}: {key(message)!r}"
        for path in CATALOGUES
        for message in load(path)
        if message.id
        and (
            "fuzzy" in message.flags
            or not all([message.string] if isinstance(message.string, str) else message.string)
        )
    ]
    assert missing == []


def test_catalogues_agree_on_shared_messages():
    translations: dict[str, dict[str, str]] = defaultdict(dict)
    for path in CATALOGUES:
        for message in load(path):
            if message.id and message.string:
                translations[key(message)][str(path.relative_to(ROOT))] = str(message.string)
    clashes = {text: found for text, found in translations.items() if len(set(found.values())) > 1}
    assert clashes == {}
