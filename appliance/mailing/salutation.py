"""Salutations as a Dutch (or English) letter writer would put them.

Rules, formal style ("Geachte ..."):
- gender known and a last name: "Geachte heer Jansen," / "Geachte mevrouw De Vries,". With no
  first name before it, the infix starts with a capital ("De Vries", "Van der Berg");
- gender unknown but a first name: gender-neutral, the whole name: "Beste Sam de Vries,";
- gender unknown and only a last name: "Geachte heer/mevrouw De Vries,";
- no last name: the template's neutral fallback, "Geachte heer/mevrouw," or "Beste klant,".
Informal style ("Beste ..."): "Beste Jan," when there is a first name, else "Beste meneer
Jansen," / "Beste mevrouw De Vries,", else the same neutral forms as above.
English follows the same rules: "Dear Mr Jansen,", "Dear Ms De Vries,", "Dear Jan,", "Dear Sam de
Vries,", "Dear Sir or Madam,", "Dear customer,".

CRM exports often put the infix in the last name ("de Vries"); leading infix words are split
off so the capitalisation rule applies to them too.
"""

from __future__ import annotations

from dataclasses import dataclass

STYLES = ("formal", "informal")
FALLBACKS = ("formal", "customer")
# Words that make up Dutch (and Flemish) surname prefixes.
INFIX_WORDS = frozenset(
    {
        *("van", "de", "der", "den", "het", "ten", "ter", "te", "in", "op", "onder", "aan"),
        *("bij", "uit", "'t", "d'", "s'", "van't", "l'", "la", "le", "du", "des"),
    }
)

_WORDS = {
    "nl": {
        "formal": "Geachte",
        "informal": "Beste",
        "man_formal": "heer",
        "woman_formal": "mevrouw",
        "man_informal": "meneer",
        "woman_informal": "mevrouw",
        "either": "heer/mevrouw",
        "customer": "Beste klant,",
        "nobody": "Geachte heer/mevrouw,",
    },
    "en": {
        "formal": "Dear",
        "informal": "Dear",
        "man_formal": "Mr",
        "woman_formal": "Ms",
        "man_informal": "Mr",
        "woman_informal": "Ms",
        "either": "Mr/Ms",
        "customer": "Dear customer,",
        "nobody": "Dear Sir or Madam,",
    },
}


@dataclass(frozen=True)
class Person:
    first_name: str = ""
    infix: str = ""
    last_name: str = ""
    gender: str = "unknown"  # man / woman / unknown, as the contacts import normalises it


def split_infix(infix: str, last_name: str) -> tuple[str, str]:
    """(infix, last name) with leading infix words moved out of the last name."""
    words = last_name.split()
    moved = []
    while len(words) > 1 and words[0].lower() in INFIX_WORDS:
        moved.append(words.pop(0))
    prefix = " ".join(part for part in (infix.strip(), " ".join(moved)) if part)
    return prefix, " ".join(words)


def surname(person: Person, after_first_name: bool) -> str:
    """The infix and last name; the infix in lower case after a first name ("Sam de Vries"),
    else starting with a capital ("De Vries")."""
    infix, last = split_infix(person.infix, person.last_name.strip())
    if not infix:
        return last
    infix = infix.lower() if after_first_name else infix[0].upper() + infix[1:].lower()
    return f"{infix} {last}"


def salutation(
    person: Person, language: str = "nl", style: str = "formal", fallback: str = "formal"
) -> str:
    """The salutation line, ending in a comma."""
    words = _WORDS.get(language, _WORDS["nl"])
    first = person.first_name.strip()
    has_last = bool(person.last_name.strip())
    gender = person.gender if person.gender in ("man", "woman") else ""
    opener = words["informal" if style == "informal" else "formal"]
    if style == "informal" and first:
        return f"{opener} {first},"
    if gender and has_last:
        title = words[f"{gender}_{'informal' if style == 'informal' else 'formal'}"]
        return f"{opener} {title} {surname(person, after_first_name=False)},"
    if first and has_last:
        return f"{words['informal']} {first} {surname(person, after_first_name=True)},"
    if has_last:
        return f"{opener} {words['either']} {surname(person, after_first_name=False)},"
    if first:
        return f"{words['informal']} {first},"
    return words["customer"] if fallback == "customer" else words["nobody"]
