"""Seed and refresh the Dutch catalogue: extract messages, then fill msgstr from NL below.

Run after changing interface text:  .venv/bin/python scripts/nl_translations.py
Check only (what the test suite does):  .venv/bin/python scripts/nl_translations.py --check
Keys ending in "…" match any msgid that starts with the text before it (long paragraphs).
A test fails when a message has no Dutch translation or the compiled catalogue is stale.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "appliance" / "translations"
PO = CATALOG / "nl" / "LC_MESSAGES" / "messages.po"

NL = {
    "You were signed out after a period of inactivity.": "U bent afgemeld na een periode zonder activiteit.",
    "Your session reached its maximum length. Please sign in again.": "Uw sessie heeft de maximale duur bereikt. Meld u opnieuw aan.",
    "Your session has ended.": "Uw sessie is beëindigd.",
    "Your access period has ended; you have been signed out.": "Uw toegangsperiode is voorbij; u bent afgemeld.",
    "Your session has ended. Please sign in again.": "Uw sessie is beëindigd. Meld u opnieuw aan.",
    "Form expired": "Formulier verlopen",
    "The form was open too long…": "Het formulier stond te lang open of kwam van een andere site. Ga terug, laad de pagina opnieuw en probeer het nog eens; er is niets gewijzigd.",
    "Not allowed": "Niet toegestaan",
    "Your role does not give access to this page.": "Uw rol geeft geen toegang tot deze pagina.",
    "Not found": "Niet gevonden",
    "This page does not exist.": "Deze pagina bestaat niet.",
    "This address does not accept that request.": "Dit adres accepteert dit verzoek niet.",
    "Too large": "Te groot",
    "The upload is larger than this page accepts.": "Het bestand is groter dan deze pagina accepteert.",
    "Staff": "Medewerker",
    "External researcher": "Externe onderzoeker",
    "Admin": "Beheerder",
    "Organisation default": "Standaard van de organisatie",
    "Full name": "Volledige naam",
    "Role": "Rol",
    "Language": "Taal",
    "Access from (researchers)": "Toegang vanaf (onderzoekers)",
    "Access until, inclusive (researchers)": "Toegang tot en met (onderzoekers)",
    "Surveys this researcher may see": "Enquêtes die deze onderzoeker mag zien",
    "Username": "Gebruikersnaam",
    "Initial password (at least 12 characters)": "Eerste wachtwoord (minstens 12 tekens)",
    "New password (at least 12 characters)": "Nieuw wachtwoord (minstens 12 tekens)",
    "Repeat the new password": "Herhaal het nieuwe wachtwoord",
    "The passwords differ.": "De wachtwoorden zijn niet gelijk.",
    "Organisation name": "Naam van de organisatie",
    "Default language": "Standaardtaal",
    "Minimum group size in reports (never below 3)": "Minimale groepsgrootte in rapportages (nooit onder 3)",
    "Action starts with": "Actie begint met",
    "Actor": "Gebruiker",
    "From": "Van",
    "Until": "Tot en met",
    "Settings saved.": "Instellingen opgeslagen.",
    "Account created.": "Account aangemaakt.",
    "Changes saved.": "Wijzigingen opgeslagen.",
    "Password set; %(n)d session(s) of this account were signed out.": "Wachtwoord ingesteld; %(n)d sessie(s) van dit account zijn afgemeld.",
    "Account disabled; its sessions have ended.": "Account uitgeschakeld; de sessies zijn beëindigd.",
    "Account enabled.": "Account ingeschakeld.",
    "Two-factor login reset; the user sets it up again at the next sign-in.": "Tweestapsverificatie gewist; de gebruiker stelt die opnieuw in bij de volgende aanmelding.",
    "The current password is not correct.": "Het huidige wachtwoord klopt niet.",
    "Password changed. %(n)d other session(s) were signed out.": "Wachtwoord gewijzigd. %(n)d andere sessie(s) zijn afgemeld.",
    "Two-factor login is required for your role.": "Tweestapsverificatie is verplicht voor uw rol.",
    "Two-factor login is off.": "Tweestapsverificatie staat uit.",
    "A researcher needs an access period: a start and an end date.": "Een onderzoeker heeft een toegangsperiode nodig: een begin- en einddatum.",
    "The access period ends before it starts.": "De toegangsperiode eindigt voordat hij begint.",
    "A username has 2-64 characters: letters, digits and . _ @ - (no spaces).": "Een gebruikersnaam heeft 2-64 tekens: letters, cijfers en . _ @ - (geen spaties).",
    "Choose a role: admin, staff or researcher.": "Kies een rol: beheerder, medewerker of onderzoeker.",
    "This username is already taken.": "Deze gebruikersnaam is al in gebruik.",
    "The last active admin cannot lose the admin role.": "De laatste actieve beheerder kan de beheerdersrol niet verliezen.",
    "You cannot disable your own account.": "U kunt uw eigen account niet uitschakelen.",
    "The last active admin cannot be disabled.": "De laatste actieve beheerder kan niet worden uitgeschakeld.",
    "The setup code is wrong or has expired…": "De installatiecode is onjuist of verlopen. Voer `appliance setup-code` uit op de server voor een nieuwe.",
    "Password": "Wachtwoord",
    "Code from your authenticator app, or a recovery code": "Code uit uw authenticator-app, of een herstelcode",
    "6-digit code shown by the app": "Code van 6 cijfers uit de app",
    "Setup code (printed on the server console)": "Installatiecode (getoond op de console van de server)",
    "Username for the first admin": "Gebruikersnaam van de eerste beheerder",
    "Current password": "Huidig wachtwoord",
    "Interface language": "Taal van de interface",
    "Use at least 12 characters.": "Gebruik minstens 12 tekens.",
    "Use at most 1024 characters.": "Gebruik hoogstens 1024 tekens.",
    "This password is too common; choose a less predictable one.": "Dit wachtwoord komt te vaak voor; kies een minder voorspelbaar wachtwoord.",
    "The password must not contain the username.": "Het wachtwoord mag de gebruikersnaam niet bevatten.",
    "Too many failed sign-in attempts. Try again in %(minutes)d minutes.": "Te veel mislukte aanmeldpogingen. Probeer het over %(minutes)d minuten opnieuw.",
    "Username or password is incorrect.": "Gebruikersnaam of wachtwoord is onjuist.",
    "Your access period is not open: it runs from %(start)s until %(end)s.": "Uw toegangsperiode is niet open: die loopt van %(start)s tot en met %(end)s.",
    "Please sign in again.": "Meld u opnieuw aan.",
    "You signed in with a recovery code…": "U bent aangemeld met een herstelcode; er zijn er nog %(left)d. Maak nieuwe aan op uw accountpagina als ze opraken.",
    "Too many wrong passwords. You have been signed out.": "Te vaak een onjuist wachtwoord. U bent afgemeld.",
    "Too many wrong codes. Sign in again.": "Te veel onjuiste codes. Meld u opnieuw aan.",
    "That code is not valid (or was already used).": "Die code is niet geldig (of al gebruikt).",
    "Two-factor login is already on.": "Tweestapsverificatie staat al aan.",
    "That code is not valid. Check the time on your phone and try again.": "Die code is niet geldig. Controleer de tijd op uw telefoon en probeer het opnieuw.",
    "You are signed out.": "U bent afgemeld.",
    "Too many wrong setup codes…": "Te veel onjuiste installatiecodes. Wacht even, of maak een nieuwe code met `appliance setup-code`.",
    "The admin account is ready. Sign in to set up two-factor login.": "Het beheerdersaccount is klaar. Meld u aan om tweestapsverificatie in te stellen.",
    "Survey appliance": "Enquête-appliance",
    "Skip to content": "Naar de inhoud",
    "Main": "Hoofdmenu",
    "Reports": "Rapportages",
    "Users": "Gebruikers",
    "Settings": "Instellingen",
    "Audit log": "Auditlog",
    "My account": "Mijn account",
    "Sign out": "Afmelden",
    "Go to the start page": "Naar de startpagina",
    "Set up two-factor login": "Tweestapsverificatie instellen",
    "Changing it signs you out everywhere else (%(n)d active session(s) now).": "Wijzigen meldt u overal elders af (nu %(n)d actieve sessie(s)).",
    "Change password": "Wachtwoord wijzigen",
    "Save": "Opslaan",
    "Two-factor login": "Tweestapsverificatie",
    "On. %(n)d unused recovery code(s) left.": "Aan. Nog %(n)d ongebruikte herstelcode(s).",
    "Make new recovery codes": "Nieuwe herstelcodes maken",
    "Turn two-factor login off": "Tweestapsverificatie uitzetten",
    "Off. A code from your phone…": "Uit. Een code van uw telefoon bij elke aanmelding beschermt uw account als uw wachtwoord uitlekt.",
    "Turn two-factor login on": "Tweestapsverificatie aanzetten",
    "Only for the researcher role…": "Alleen voor de rol onderzoeker: de toegangsperiode van het onderzoek en de enquêtes waarvan de onderzoeker de geaggregeerde resultaten mag zien. Buiten de periode wordt aanmelden geweigerd en eindigen open sessies.",
    "No surveys exist yet; grant them here once they do.": "Er zijn nog geen enquêtes; ken ze hier toe zodra ze er zijn.",
    "Export as CSV": "Exporteren als CSV",
    "Verify the hash chain now": "Controleer de hashketen nu",
    "Chain intact: %(n)d entries verified.": "Keten intact: %(n)d regels gecontroleerd.",
    "Chain broken at entry %(id)d…": "Keten verbroken bij regel %(id)d: %(reason)s. Iemand heeft het log buiten de applicatie om gewijzigd.",
    "Filter": "Filteren",
    "When": "Wanneer",
    "Who": "Wie",
    "Action": "Actie",
    "On": "Op",
    "Details": "Details",
    "Address": "Adres",
    "No entries match.": "Geen regels gevonden.",
    "Older entries": "Oudere regels",
    "Organisation": "Organisatie",
    "Figures based on fewer responses are hidden from the external researcher.": "Cijfers op basis van minder reacties zijn verborgen voor de externe onderzoeker.",
    "Server configuration": "Serverconfiguratie",
    "Set in the config file or environment; change them there and restart.": "Ingesteld in het configuratiebestand of de omgeving; wijzig ze daar en herstart.",
    "Setting": "Instelling",
    "Value": "Waarde",
    "Meaning": "Betekenis",
    "disabled": "uitgeschakeld",
    "Created %(at)s · two-factor %(tf)s · %(n)d active session(s)": "Aangemaakt %(at)s · tweestapsverificatie %(tf)s · %(n)d actieve sessie(s)",
    "on": "aan",
    "off": "uit",
    "outside the access period": "buiten de toegangsperiode",
    "Save changes": "Wijzigingen opslaan",
    "Set a new password": "Nieuw wachtwoord instellen",
    "Signs the user out everywhere.": "Meldt de gebruiker overal af.",
    "Set password": "Wachtwoord instellen",
    "Access": "Toegang",
    "Reset two-factor login": "Tweestapsverificatie wissen",
    "Enable account": "Account inschakelen",
    "Disable account": "Account uitschakelen",
    "New user": "Nieuwe gebruiker",
    "Pass it on in person or by phone; the user changes it under My account.": "Geef het persoonlijk of telefonisch door; de gebruiker wijzigt het onder Mijn account.",
    "Create user": "Gebruiker aanmaken",
    "All accounts": "Alle accounts",
    "Name": "Naam",
    "Two-factor": "Tweestaps",
    "Status": "Status",
    "Sessions": "Sessies",
    "active": "actief",
    "Open an authenticator app…": "Open een authenticator-app op uw telefoon (bijvoorbeeld FreeOTP, Aegis, Google Authenticator of Microsoft Authenticator).",
    "Scan this QR code, or type the key by hand:": "Scan deze QR-code, of typ de sleutel over:",
    "QR code for your authenticator app": "QR-code voor uw authenticator-app",
    "Enter the 6-digit code the app shows to confirm.": "Vul ter bevestiging de code van 6 cijfers in die de app toont.",
    "Confirm": "Bevestigen",
    "Enter the 6-digit code from your authenticator app…": "Vul de code van 6 cijfers uit uw authenticator-app in. Telefoon kwijt? Vul dan een van uw herstelcodes in.",
    "Continue": "Doorgaan",
    "Your role requires a second step at every sign-in.": "Uw rol vraagt bij elke aanmelding om een tweede stap.",
    "Sign in": "Aanmelden",
    "No admin account exists yet.": "Er is nog geen beheerdersaccount.",
    "Create the first admin": "Eerste beheerder aanmaken",
    "Recovery codes": "Herstelcodes",
    "Your recovery codes": "Uw herstelcodes",
    "Each code works once…": "Elke code werkt één keer, in plaats van een code uit uw app. Bewaar ze nu op een veilige plek: ze worden niet opnieuw getoond.",
    "I have stored them, continue": "Ik heb ze bewaard, doorgaan",
    "The server printed a one-time setup code…": "De server toonde bij het starten een eenmalige installatiecode op de console. Vul die hier in, met de gegevens van het eerste beheerdersaccount.",
    "Use a long passphrase; common passwords are refused.": "Gebruik een lange wachtzin; veelgebruikte wachtwoorden worden geweigerd.",
    "Create admin": "Beheerder aanmaken",
    "Aggregated results only…": "Alleen geaggregeerde resultaten. Elk cijfer op basis van minder dan %(k)d reacties is verborgen.",
    "No surveys are available to you yet.": "Er zijn nog geen enquêtes voor u beschikbaar.",
    "Choose the lawful basis: consent or legitimate interest.": "Kies de grondslag: toestemming of gerechtvaardigd belang.",
    "Describe the legitimate interest (at least 10 characters).": "Beschrijf het gerechtvaardigd belang (minstens 10 tekens).",
    "a column with special-category data can only be dropped": "een kolom met bijzondere persoonsgegevens kan alleen worden weggelaten",
    "a name contains a line break or an encoded-word sequence": "een naam bevat een regeleinde of een encoded-word-reeks",
    "a row has more columns than the header": "een regel heeft meer kolommen dan de kopregel",
    "a value contains control characters": "een waarde bevat stuurtekens",
    "a value is longer than 200 characters": "een waarde is langer dan 200 tekens",
    "another import into this list is still running": "er loopt nog een andere import in deze lijst",
    "gender or salutation not recognised (use man/vrouw/onbekend)": "geslacht of aanhef niet herkend (gebruik man/vrouw/onbekend)",
    "language not recognised (use nl, en, de or fr)": "taal niet herkend (gebruik nl, en, de of fr)",
    "map either a full name or first and last name, not both": "koppel een volledige naam of voor- en achternaam, niet allebei",
    "not a Dutch postcode (1234 AB)": "geen Nederlandse postcode (1234 AB)",
    "not a phone number": "geen telefoonnummer",
    "not a valid e-mail address": "geen geldig e-mailadres",
    "the column separator could not be determined; choose it": "het scheidingsteken kon niet worden bepaald; kies het zelf",
    "the file cannot be read with this encoding": "het bestand is met deze tekenset niet te lezen",
    "the file cannot be read with this encoding; choose another": "het bestand is met deze tekenset niet te lezen; kies een andere",
    "the file has more than 200 columns": "het bestand heeft meer dan 200 kolommen",
    "the file has no header row": "het bestand heeft geen kopregel",
    "the file is empty": "het bestand is leeg",
    "the file is larger than the upload limit": "het bestand is groter dan de uploadlimiet",
    "the file is not a valid CSV file": "het bestand is geen geldig CSV-bestand",
    "the file is not a valid XLSX workbook": "het bestand is geen geldige XLSX-werkmap",
    "the file is not text (choose CSV or XLSX)": "het bestand is geen tekst (kies CSV of XLSX)",
    "the mapping does not match the file's columns": "de koppeling past niet bij de kolommen van het bestand",
    "the row has no contact data": "de regel bevat geen contactgegevens",
    "the workbook has no sheet of that name": "de werkmap heeft geen blad met die naam",
    "two columns are mapped to the same field": "twee kolommen zijn aan hetzelfde veld gekoppeld",
    "unknown column separator": "onbekend scheidingsteken",
    "unknown encoding": "onbekende tekenset",
    "unknown mapping target": "onbekend koppeldoel",
    "only a finished import can be undone": "alleen een afgeronde import kan ongedaan worden gemaakt",
    "this import was used for a mailing and cannot be undone": "deze import is gebruikt voor een mailing en kan niet ongedaan worden gemaakt",
    "%(added)d addresses added to the suppression list; %(invalid)d were not valid addresses.": "%(added)d adressen toegevoegd aan de blokkeerlijst; %(invalid)d waren geen geldige adressen.",
    "%(n)d addresses will never be imported or invited again…": "%(n)d adressen worden nooit meer geïmporteerd of uitgenodigd, voor geen enkele enquête van de organisatie. Van elk adres wordt alleen een gesleutelde hash bewaard, voor onbepaalde tijd.",
    "%(n)s rows read. You can leave this page; the import goes on.": "%(n)s regels gelezen. U kunt deze pagina verlaten; de import gaat door.",
    "(no header)": "(geen kop)",
    "A CSV export (comma, semicolon, tab or pipe; UTF-8 or Windows-1252)…": "Een CSV-export (komma, puntkomma, tab of pipe; UTF-8 of Windows-1252) of een Excel-werkmap. Er wordt niets geïmporteerd voordat u de kolommen hebt gecontroleerd.",
    "Add to the suppression list": "Toevoegen aan de blokkeerlijst",
    "Added": "Toegevoegd",
    "Addresses to suppress, one per line": "Te blokkeren adressen, één per regel",
    "Apply": "Toepassen",
    "Apply a saved mapping": "Een opgeslagen koppeling toepassen",
    "As it will be stored": "Zoals het wordt opgeslagen",
    "Becomes": "Wordt",
    "CSV or XLSX export": "CSV- of XLSX-export",
    "Cancel": "Annuleren",
    "Cancel the import": "De import afbreken",
    "Character set": "Tekenset",
    "Check the columns": "Controleer de kolommen",
    "Column in the file": "Kolom in het bestand",
    "Column separator": "Scheidingsteken",
    "Columns dropped and not stored: %(cols)s": "Weggelaten en niet opgeslagen kolommen: %(cols)s",
    "Consent": "Toestemming",
    "Contact data is encrypted in the database and never leaves this appliance…": "Contactgegevens staan versleuteld in de database en verlaten deze appliance nooit. %(n)d adressen staan op de blokkeerlijst.",
    "Contact list (an existing one, or a new name)": "Contactlijst (een bestaande, of een nieuwe naam)",
    "Contact lists": "Contactlijsten",
    "Contacts": "Contacten",
    "Counted over the first %(n)d rows; the import counts the whole file.": "Geteld over de eerste %(n)d regels; de import telt het hele bestand.",
    "Country": "Land",
    "Created": "Aangemaakt",
    "Detect automatically": "Automatisch herkennen",
    "Download the invalid rows with their reasons (CSV)": "Download de ongeldige regels met de reden (CSV)",
    "Duplicate within the file": "Dubbel in het bestand",
    "E-mail address": "E-mailadres",
    "File options": "Bestandsopties",
    "First name": "Voornaam",
    "For example: measuring the satisfaction of customers served in 2026.": "Bijvoorbeeld: de tevredenheid meten van klanten die in 2026 zijn geholpen.",
    "Full name (split into first name, infix, last name)": "Volledige naam (gesplitst in voornaam, tussenvoegsel, achternaam)",
    "Gender / salutation": "Geslacht / aanhef",
    "House number": "Huisnummer",
    "Import": "Importeren",
    "Import %(id)d": "Import %(id)d",
    "Import %(id)d into %(list)s": "Import %(id)d in %(list)s",
    "Import contacts": "Contacten importeren",
    "Import undone: %(n)d contacts removed.": "Import ongedaan gemaakt: %(n)d contacten verwijderd.",
    "Infix (van, de, van der)": "Tussenvoegsel (van, de, van der)",
    "Invalid": "Ongeldig",
    "Last name": "Achternaam",
    "Lawful basis for inviting these contacts": "Grondslag om deze contacten uit te nodigen",
    "Lawful basis: %(basis)s": "Grondslag: %(basis)s",
    "Legitimate interest": "Gerechtvaardigd belang",
    "List": "Lijst",
    "List: %(list)s (%(state)s) · file: %(kind)s": "Lijst: %(list)s (%(state)s) · bestand: %(kind)s",
    "Map at least one column to a contact field.": "Koppel minstens één kolom aan een contactveld.",
    "Mapping saved.": "Koppeling opgeslagen.",
    "No contact lists yet. Import a CRM or Excel export to start one.": "Nog geen contactlijsten. Importeer een CRM- of Excel-export om er een te beginnen.",
    "On the suppression list (skipped)": "Op de blokkeerlijst (overgeslagen)",
    "Or a file of addresses (one per line, or a CSV with an e-mail column)": "Of een bestand met adressen (één per regel, of een CSV met een e-mailkolom)",
    "Phone number": "Telefoonnummer",
    "Postcode": "Postcode",
    "Preferred language": "Voorkeurstaal",
    "Preview": "Voorbeeld",
    "Progress": "Voortgang",
    "Purpose (required with legitimate interest)": "Doel (verplicht bij gerechtvaardigd belang)",
    "Recent imports": "Recente imports",
    "Removes the contacts this import added or updated…": "Verwijdert de contacten die deze import heeft toegevoegd of bijgewerkt; een oudere versie die door een update is vervangen, komt niet terug. Kan zolang de lijst niet voor een mailing is gebruikt.",
    "Row": "Regel",
    "Save mapping": "Koppeling opslaan",
    "Save this mapping as": "Deze koppeling opslaan als",
    "Segment for reports: %(name)s": "Segment voor rapportages: %(name)s",
    "Sheet (XLSX; empty: the first)": "Blad (XLSX; leeg: het eerste)",
    "Street": "Straat",
    "Suppression list": "Blokkeerlijst",
    "The file cannot be read: %(reason)s": "Het bestand kan niet worden gelezen: %(reason)s",
    "The uploaded file is no longer there; upload it again.": "Het geüploade bestand is er niet meer; upload het opnieuw.",
    "Town": "Plaats",
    "Undo this import": "Deze import ongedaan maken",
    "Update the preview": "Voorbeeld bijwerken",
    "Updated": "Bijgewerkt",
    "Updated (address already in the list; the newer row wins)": "Bijgewerkt (adres stond al in de lijst; de nieuwere regel wint)",
    "Upload and check the columns": "Uploaden en kolommen controleren",
    "cancelled": "afgebroken",
    "character set %(enc)s, separator %(sep)s": "tekenset %(enc)s, scheidingsteken %(sep)s",
    "comma": "komma",
    "comma ,": "komma ,",
    "consent": "toestemming",
    "done": "klaar",
    "dropped: special-category or identifying data is never imported": "weggelaten: bijzondere of identificerende gegevens worden nooit geïmporteerd",
    "existing": "bestaand",
    "failed": "mislukt",
    "legitimate interest": "gerechtvaardigd belang",
    "new": "nieuw",
    "pipe": "pipe",
    "pipe |": "pipe |",
    "running": "bezig",
    "semicolon": "puntkomma",
    "semicolon ;": "puntkomma ;",
    "tab": "tab",
    "undone": "ongedaan gemaakt",
    "— drop this column —": "— kolom weglaten —",
    "API token": "API-token",
    "API tokens": "API-tokens",
    "Create token": "Token aanmaken",
    "Done": "Klaar",
    "For programs that import contacts through the API…": "Voor programma's die contacten importeren via de API (zie /api/openapi.json). Een token handelt namens u; trek het in als de taak die het gebruikt stopt.",
    "Give the token a name, e.g. the job that uses it.": "Geef het token een naam, bijvoorbeeld de taak die het gebruikt.",
    "Last used": "Laatst gebruikt",
    "Name of the new token (what uses it)": "Naam van het nieuwe token (wat het gebruikt)",
    "Revoke": "Intrekken",
    "Sign-in required": "Aanmelden vereist",
    "Token revoked.": "Token ingetrokken.",
    "Token “%(name)s”. Copy it now…": "Token “%(name)s”. Kopieer het nu naar de taak die het gebruikt: het wordt niet opnieuw getoond.",
    "Use it as: Authorization: Bearer <token>": "Gebruik het als: Authorization: Bearer <token>",
    "Your new API token": "Uw nieuwe API-token",
    "an API token is required: Authorization: Bearer <token>": "een API-token is vereist: Authorization: Bearer <token>",
    "revoked": "ingetrokken",
    "new: %(added)d, updated: %(updated)d, duplicate in the file: %(duplicate)d, invalid: %(invalid)d, on the suppression list: %(suppressed)d": "nieuw: %(added)d, bijgewerkt: %(updated)d, dubbel in het bestand: %(duplicate)d, ongeldig: %(invalid)d, op de blokkeerlijst: %(suppressed)d",
    "Keep the purpose under 500 characters.": "Houd het doel onder de 500 tekens.",
    "Name the contact list (at most 100 characters).": "Geef de contactlijst een naam (hoogstens 100 tekens).",
    "a line of the file is longer than 1 MB": "een regel van het bestand is langer dan 1 MB",
    "a segment value is longer than 60 characters (segments are categories)": "een segmentwaarde is langer dan 60 tekens (segmenten zijn categorieën)",
    "a segment value looks like an e-mail address or phone number": "een segmentwaarde lijkt op een e-mailadres of telefoonnummer",
    "the first row holds data, not column names; add a header": "de eerste regel bevat gegevens, geen kolomnamen; voeg een kopregel toe",
    "the workbook is too large when unpacked; export it as CSV": "de werkmap is uitgepakt te groot; exporteer haar als CSV",
    "'not applicable' cannot be combined with other answers": "'niet van toepassing' gaat niet samen met andere antwoorden",
    "a condition can only refer to an earlier question": "een voorwaarde kan alleen naar een eerdere vraag verwijzen",
    "a matrix scale is [low, high] within 0-10": "een matrixschaal is [laag, hoog] binnen 0-10",
    "a page needs at least one question": "een pagina heeft minstens één vraag nodig",
    "a question with answers cannot be removed": "een vraag met antwoorden kan niet worden verwijderd",
    "a survey needs at least one page": "een enquête heeft minstens één pagina nodig",
    "a text is missing for this language": "voor deze taal ontbreekt een tekst",
    "answer every row": "beantwoord elke regel",
    "choose from the given answers": "kies uit de gegeven antwoorden",
    "choose one of the given answers": "kies een van de gegeven antwoorden",
    "choose one or more of: nl, en": "kies een of meer van: nl, en",
    "expected a text of at most 5000 characters": "verwacht een tekst van hoogstens 5000 tekens",
    "expected a text per language": "verwacht een tekst per taal",
    "expected an object": "verwacht een object",
    'expected {"question": id, "in": [values]}': 'verwacht {"question": id, "in": [waarden]}',
    "give between 1 and 100 options": "geef tussen 1 en 100 opties",
    "ids are unique, lower case, a-z 0-9 _": "id's zijn uniek, kleine letters, a-z 0-9 _",
    "options of a question with answers cannot be removed": "opties van een vraag met antwoorden kunnen niet worden verwijderd",
    "the answer is too long": "het antwoord is te lang",
    "the condition's values are not answers of that question": "de waarden van de voorwaarde zijn geen antwoorden op die vraag",
    "the type or scale of a question with answers cannot change": "het type of de schaal van een vraag met antwoorden kan niet veranderen",
    "this question needs an answer": "deze vraag heeft een antwoord nodig",
    "this type has no 'not applicable' option": "dit type heeft geen optie 'niet van toepassing'",
    "unknown question type": "onbekend vraagtype",
    "values are unique, lower case, a-z 0-9 _ (not 'na')": "waarden zijn uniek, kleine letters, a-z 0-9 _ (niet 'na')",
}


def translation(msgid: str) -> str | None:
    if msgid in NL:
        return NL[msgid]
    for key, value in NL.items():
        if key.endswith("…") and msgid.startswith(key[:-1]):
            return value
    return None


def extract(pot: Path) -> None:
    """Extract every interface message (templates, _(), lazy _l(), N_ markers) into ``pot``."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "N_",
            "--no-location",
            "--omit-header",
            "-o",
            str(pot),
            str(ROOT),
        ],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )


def check() -> list[str]:
    """Problems with the committed catalogue: untranslated messages, or a stale .mo file."""
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        extract(pot)
        with pot.open("rb") as fh:
            extracted = {m.id for m in read_po(fh) if m.id}
    with PO.open("rb") as fh:
        source = {m.id: m.string for m in read_po(fh) if m.id}
    with PO.with_suffix(".mo").open("rb") as fh:
        compiled = {m.id: m.string for m in read_mo(fh) if m.id}
    problems = [f"untranslated: {m!r}" for m in sorted(extracted) if not source.get(m)]
    if compiled != source:
        problems.append("messages.mo is stale")
    return problems


def write() -> list[str]:
    pot = CATALOG / "messages.pot"
    extract(pot)
    with pot.open("rb") as fh:
        catalog = read_po(fh, locale="nl")
    missing = []
    for message in catalog:
        if not message.id:
            continue
        text = translation(message.id)
        if text is None:
            missing.append(message.id)
        message.string = text or ""
    PO.parent.mkdir(parents=True, exist_ok=True)
    with PO.open("wb") as fh:
        write_po(fh, catalog, omit_header=True, no_location=True, width=100)
    # Compile from the file just written, exactly as check() reads it.
    with PO.open("rb") as fh:
        written = read_po(fh)
    with PO.with_suffix(".mo").open("wb") as fh:
        write_mo(fh, written)
    return [f"missing Dutch: {msgid!r}" for msgid in missing]


def main() -> int:
    problems = check() if "--check" in sys.argv[1:] else write()
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
