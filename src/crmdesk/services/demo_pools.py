"""Name, place and product pools for demo data (Finnish, Italian, Estonian,
Slovenian and English shops).

Phone prefixes are real mobile ranges of each country, so every generated
number parses as a valid E.164 number; e-mail addresses and web sites use
the reserved ``example`` names (RFC 2606), so demo data can never reach a
real inbox.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Country:
    """One country's pools; ``groups`` split the national number for display."""

    code: str
    calling: str
    trunk: str  # "0" where numbers are dialled with a trunk zero at home
    prefixes: tuple[str, ...]  # mobile ranges
    digits: int  # digits of the national significant number
    groups: tuple[int, ...]  # how the national significant number is grouped
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    cities: tuple[tuple[str, str], ...]  # (city, postcode pattern: # digit, @ letter)
    streets: tuple[str, ...]
    suffix: str  # company form
    mail_tld: str


# fmt: off
COUNTRIES: tuple[Country, ...] = (
    Country(
        code="FI",
        calling="358",
        trunk="0",
        prefixes=("40", "41", "44", "45", "50"),
        digits=9,
        groups=(2, 7),
        first_names=(
            "Matti", "Aino", "Juha", "Sanna", "Mikko", "Päivi", "Jari", "Tiina", "Antti",
            "Kaisa", "Ville", "Heli", "Jussi", "Sari", "Eero", "Riikka", "Timo", "Johanna",
            "Olli", "Minna", "Pekka", "Leena", "Harri", "Satu", "Janne", "Anu", "Petri",
            "Merja", "Tuomas", "Hanna", "Sami", "Elina", "Ilkka", "Outi", "Kimmo", "Tarja",
            "Markku", "Marjatta", "Väinö", "Kyllikki",
        ),
        last_names=(
            "Jääskeläinen", "Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Hämäläinen",
            "Laine", "Heikkinen", "Koskinen", "Järvinen", "Lehtonen", "Saarinen",
            "Kärkkäinen", "Räsänen", "Äijälä", "Ylönen", "Öhman", "Salminen", "Heinonen",
            "Niemi", "Lehtinen", "Mattila", "Hiltunen", "Pelkonen", "Kettunen", "Rantanen",
            "Tuominen", "Leinonen", "Väisänen", "Hyvönen", "Ahonen", "Lindqvist",
            "Söderström", "Kärki", "Peltonen", "Nurmi", "Björkman", "Mäkelä", "Honkanen",
            "Pöllänen",
        ),
        cities=(
            ("Helsinki", "00##0"), ("Tampere", "33##0"), ("Turku", "20##0"),
            ("Oulu", "90##0"), ("Jyväskylä", "40##0"), ("Kuopio", "70##0"),
            ("Lahti", "15##0"), ("Vaasa", "65##0"),
        ),
        streets=(
            "Mannerheimintie", "Hämeenkatu", "Aleksanterinkatu", "Kauppakatu", "Puistokatu",
            "Rantatie", "Koulukatu", "Teollisuustie", "Myllytie", "Koivukuja",
        ),
        suffix="Oy",
        mail_tld="fi",
    ),
    Country(
        code="IT",
        calling="39",
        trunk="",
        prefixes=("320", "328", "333", "340", "347", "349"),
        digits=10,
        groups=(3, 3, 4),
        first_names=(
            "Giulia", "Marco", "Francesca", "Luca", "Chiara", "Alessandro", "Sara", "Matteo",
            "Elena", "Davide", "Martina", "Simone", "Valentina", "Andrea", "Federica",
            "Paolo", "Giuseppe", "Giovanni", "Antonio", "Francesco", "Maria", "Anna",
            "Roberto", "Stefano", "Lorenzo", "Niccolò", "Gabriele", "Alessia", "Beatrice",
            "Ilaria", "Caterina", "Pietro", "Riccardo", "Tommaso", "Aurora", "Lucia",
            "Emanuele", "Raffaele", "Salvatore", "Noemi",
        ),
        last_names=(
            "D'Alessandro", "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano",
            "Colombo", "Ricci", "Marino", "Greco", "Bruno", "Gallo", "Conti", "De Luca",
            "Mancini", "Costa", "Giordano", "Rizzo", "Lombardi", "Moretti", "Barbieri",
            "Fontana", "Santoro", "Mariani", "Rinaldi", "Caruso", "Ferrara", "Galli",
            "Martini", "Leone", "Longo", "Gentile", "Martinelli", "Vitale", "Lombardo",
            "D'Angelo", "Dell'Acqua", "Di Stefano", "Fabbri",
        ),
        cities=(
            ("Roma", "001#0"), ("Milano", "201#0"), ("Napoli", "801#0"), ("Torino", "101#0"),
            ("Bologna", "401#0"), ("Firenze", "501#0"), ("Bari", "701#0"),
            ("Verona", "371#0"),
        ),
        streets=(
            "Via Roma", "Via Garibaldi", "Corso Italia", "Via Mazzini", "Via Dante",
            "Piazza del Popolo", "Via Verdi", "Viale Europa", "Via San Martino", "Via Cavour",
        ),
        suffix="S.r.l.",
        mail_tld="it",
    ),
    Country(
        code="EE",
        calling="372",
        trunk="",
        prefixes=("5", "51", "52", "53", "55", "56"),
        digits=8,
        groups=(4, 4),
        first_names=(
            "Kalev", "Liis", "Mart", "Kadri", "Tõnu", "Triin", "Jaan", "Kristiina", "Andres",
            "Mari", "Rein", "Piret", "Urmas", "Ülle", "Margus", "Kätlin", "Toomas", "Kersti",
            "Indrek", "Helen", "Priit", "Maarja", "Siim", "Kertu", "Peeter", "Eve", "Aivar",
            "Tiiu", "Jüri", "Ülo", "Mall", "Kaarel", "Õie", "Leelo", "Tõnis", "Anneli",
            "Raul", "Merle", "Heino", "Külli",
        ),
        last_names=(
            "Tõnisson", "Tamm", "Saar", "Sepp", "Mägi", "Kask", "Kukk", "Rebane", "Ilves",
            "Pärn", "Koppel", "Lepik", "Õun", "Jõgi", "Kõiv", "Luik", "Mets", "Ots", "Lill",
            "Karu", "Kivi", "Põder", "Vaher", "Kallas", "Raud", "Laur", "Saks", "Mölder",
            "Pihlak", "Järv", "Sild", "Org", "Lõhmus", "Männik", "Sõmer", "Väli", "Kütt",
            "Nõmm", "Kuusk", "Paju",
        ),
        cities=(
            ("Tallinn", "10##1"), ("Tartu", "50##1"), ("Narva", "20##1"),
            ("Pärnu", "80##1"), ("Viljandi", "71##1"), ("Rakvere", "44##1"),
        ),
        streets=(
            "Pärnu mnt", "Narva mnt", "Tartu mnt", "Pikk", "Lai", "Rüütli", "Kesk", "Pargi",
            "Tööstuse", "Männi",
        ),
        suffix="OÜ",
        mail_tld="ee",
    ),
    Country(
        code="SI",
        calling="386",
        trunk="0",
        prefixes=("30", "31", "40", "41", "51", "64", "70"),
        digits=8,
        groups=(2, 3, 3),
        first_names=(
            "Ana", "Luka", "Maja", "Jan", "Nina", "Žiga", "Eva", "Matej", "Sara", "Gregor",
            "Petra", "Rok", "Urška", "Blaž", "Tjaša", "Nejc", "Tina", "Miha", "Katja",
            "Andrej", "Mojca", "Aleš", "Špela", "Boštjan", "Tadej", "Anže", "Alenka",
            "Primož", "Darja", "Matjaž", "Nataša", "Jože", "Marjeta", "Tomaž", "Polona",
            "Irena", "Bojan", "Neža", "Žan", "Vesna",
        ),
        last_names=(
            "Kovačič", "Novak", "Horvat", "Krajnc", "Zupančič", "Potočnik", "Kos", "Vidmar",
            "Golob", "Turk", "Božič", "Kralj", "Zupan", "Bizjak", "Hribar", "Kavčič",
            "Mlakar", "Kolar", "Zajc", "Pavlič", "Petek", "Kastelic", "Oblak", "Rozman",
            "Žagar", "Hočevar", "Košir", "Koren", "Jereb", "Medved", "Kotnik", "Kuhar",
            "Šinkovec", "Erjavec", "Furlan", "Petrič", "Dolenc", "Sever", "Lešnik", "Jerman",
        ),
        cities=(
            ("Ljubljana", "1000"), ("Maribor", "2000"), ("Celje", "3000"), ("Kranj", "4000"),
            ("Koper", "6000"), ("Velenje", "3320"), ("Novo mesto", "8000"),
        ),
        streets=(
            "Slovenska cesta", "Trubarjeva ulica", "Celovška cesta", "Dunajska cesta",
            "Prešernova ulica", "Cankarjeva ulica", "Glavni trg", "Ljubljanska cesta",
            "Šmartinska cesta", "Tržaška cesta",
        ),
        suffix="d.o.o.",
        mail_tld="si",
    ),
    Country(
        code="GB",
        calling="44",
        trunk="0",
        prefixes=("7700", "7701", "7712", "7723", "7734", "7745"),
        digits=10,
        groups=(4, 6),
        first_names=(
            "James", "Olivia", "Harry", "Amelia", "George", "Emily", "Jack", "Sophie",
            "Thomas", "Grace", "Oliver", "Chloe", "William", "Lucy", "Henry", "Ella",
            "Charlotte", "Jacob", "Isla", "Noah", "Freya", "Alfie", "Poppy", "Charlie",
            "Evie", "Oscar", "Ruby", "Leo", "Mia", "Archie", "Florence", "Edward", "Daisy",
            "Joseph", "Harriet", "Samuel", "Alice", "Daniel", "Niamh", "Rhys",
        ),
        last_names=(
            "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Thomas",
            "Roberts", "Walker", "Wright", "Robinson", "Thompson", "White", "Hughes",
            "Edwards", "Green", "Hall", "Wood", "Harris", "Martin", "Jackson", "Clarke",
            "Lewis", "Turner", "Hill", "Cooper", "Ward", "Morris", "Moore", "King", "Baker",
            "Harrison", "Morgan", "Patel", "Young", "O'Brien", "O'Neill", "Ahmed",
            "MacDonald",
        ),
        cities=(
            ("London", "SW# #@@"), ("Leeds", "LS# #@@"), ("Bristol", "BS# #@@"),
            ("York", "YO# #@@"), ("Manchester", "M# #@@"), ("Bath", "BA# #@@"),
            ("Norwich", "NR# #@@"),
        ),
        streets=(
            "High Street", "Station Road", "Church Lane", "Mill Lane", "Park Road",
            "Victoria Road", "Green Lane", "Manor Road", "Kings Road", "The Crescent",
        ),
        suffix="Ltd",
        mail_tld="uk",
    ),
)
# fmt: on

POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
PRIVATE_MAIL_DOMAINS = ("example.com", "example.net", "example.org")

COMPANY_WORDS = (
    "Nordic", "Alpine", "Baltic", "Adriatic", "Harbour", "Forest", "Lakeside", "Northern",
    "Granite", "Silver", "Aurora", "Riverside", "Summit", "Coastal", "Meadow", "Pioneer",
    "Polar", "Sunrise", "Valley", "Metro", "Atlas", "Evergreen", "Keystone", "Lumen",
)  # fmt: skip
COMPANY_TRADES = (
    "Tyres", "Motors", "Garden", "Bakery", "Hardware", "Logistics", "Auto", "Café", "Design",
    "Builders", "Electric", "Outdoor", "Kitchens", "Textiles", "Fishing", "Bikes",
)  # fmt: skip
TITLES = ("Manager", "Buyer", "Owner", "Fleet manager", "CEO", "Purchasing", "Accountant")
CONTACT_NOTES = (
    "Prefers e-mail", "Call after 3 pm", "Pays on time", "Speaks English", "Has three cars",
    "Winter tyres stored with us", "Asks for the invoice by post", "Interested in EV service",
    "Prefers Saturday appointments", "Long-time customer of the previous owner",
)  # fmt: skip
TAGS = (
    "vip", "wholesale", "newsletter", "trade fair", "referral", "fleet", "seasonal",
    "key account",
)  # fmt: skip
SOURCES = ("walk-in", "web form", "referral", "trade fair", "phone", "advert", "partner")
PRICE_LISTS = ("wholesale", "fleet", "partner")
PRODUCTS = (
    ("Winter tyre", 8990),
    ("Summer tyre", 7490),
    ("All-season tyre", 9490),
    ("Tyre fitting", 2000),
    ("Wheel balancing", 1500),
    ("Alloy rim", 14900),
    ("Steel rim", 5900),
    ("Tyre hotel (season)", 6900),
    ("Wiper blades", 2490),
    ("Engine oil 5 l", 4990),
    ("Oil change", 5900),
    ("Brake pads", 7900),
    ("Brake service", 12900),
    ("Battery", 11900),
    ("Battery check", 900),
    ("Car wash", 1500),
    ("Interior cleaning", 4500),
    ("Headlight bulb", 1290),
    ("Snow chains", 8900),
    ("Roof box", 39900),
    ("Bike rack", 24900),
    ("Air freshener", 390),
    ("Antifreeze 5 l", 2990),
    ("Windscreen repair", 8900),
    ("Windscreen", 39000),
    ("Wheel alignment", 6900),
    ("Spark plugs", 3490),
    ("Air filter", 2490),
    ("Cabin filter", 2290),
    ("Timing belt service", 49000),
    ("Shock absorber", 15900),
    ("Exhaust repair", 18900),
    ("Diagnostics", 4900),
    ("AC service", 8900),
    ("Floor mats", 4900),
    ("Tow bar", 45000),
    ("Jump starter", 7990),
    ("First aid kit", 1990),
    ("Warning triangle", 1290),
    ("Ice scraper", 490),
)
CALL_NOTES = (
    "Asked about winter tyres",
    "Wants a quote for the fleet",
    "Checking delivery time",
    "Called about the invoice",
    "Interested in the tyre hotel",
    "Booked a service slot",
    "Asked for opening hours",
    "Follow-up on last visit",
    "Price comparison with competitor",
    "Wants a callback next week",
    "Needs rims for a new car",
    "Happy with the service",
)
EMAIL_NOTES = (
    "Sent the price list",
    "Sent a quote",
    "Confirmed the appointment",
    "Asked for a copy of the invoice",
    "Newsletter question answered",
    "Sent the seasonal offer",
)
NOTE_TEXTS = (
    "Prefers appointments in the morning",
    "Second car is a van",
    "Ask about the tyre hotel next season",
    "Considering switching from a competitor",
    "Recommended us to a neighbour",
)
MEETING_NOTES = (
    "Showroom meeting",
    "Fleet review",
    "Annual contract talk",
    "Presented new range",
    "Site visit at their depot",
)
PAYMENT_TEXTS = ("Bank transfer", "Card payment", "Cash", "Mobile payment", "")
COMPLAINTS = (
    ("Tyre pressure warning after fitting", "Re-checked sensors, no charge"),
    ("Invoice amount wrong", "Credited the difference"),
    ("Waited too long for service", "Apologised, gave a discount voucher"),
    ("Scratch on rim after fitting", "Replaced the rim"),
    ("Ordered item arrived late", "Free delivery on next order"),
)
FOLLOWUP_TEXTS = (
    "Call back about the quote",
    "Send the catalogue",
    "Remind about tyre change",
    "Check satisfaction after service",
    "Offer the tyre hotel",
    "Birthday greeting",
    "Propose annual contract",
)
DEAL_TITLES = (
    "Fleet tyres",
    "Annual service contract",
    "Winter package",
    "Rim upgrade",
    "Company cars maintenance",
    "Tyre hotel for the fleet",
)
WON_REASONS = ("Best price", "Fast delivery", "Existing relationship", "Service quality")
LOST_REASONS = ("Price too high", "Went with competitor", "Budget cut", "No decision")
