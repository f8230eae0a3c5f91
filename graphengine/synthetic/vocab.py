"""Word lists and small text helpers for the synthetic traceback generator.

Everything here is fictitious: provider, customer and campaign names are built from word lists so
that no real company is ever labelled as part of an illegal-robocall ecosystem. The response texts
are deliberately varied raw strings, each with the category it is meant to map to
(:data:`RESPONSE_TEXTS`), so that a loader's response mapping has work to do and can be scored.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "DOMESTIC_FIRST",
    "DOMESTIC_SECOND",
    "DOMESTIC_LEGAL",
    "FOREIGN_FIRST",
    "FOREIGN_SECOND",
    "FOREIGN_COUNTRIES",
    "HUB_NAMES",
    "CUSTOMER_FIRST",
    "CUSTOMER_SECOND",
    "CAMPAIGNS",
    "NOISE_CAMPAIGNS",
    "RESPONSE_TEXTS",
    "FOREIGN_STOP",
    "FOREIGN_NAMED",
    "RMD_IMPLEMENTATIONS",
    "GEOGRAPHIC_NPAS",
    "csv_field",
    "name_variants",
]

# fmt: off
DOMESTIC_FIRST: tuple[str, ...] = (
    "Apex", "Blue Ridge", "Cardinal", "Crescent", "Summit", "Keystone", "Liberty", "Pioneer",
    "Harbor", "Redwood", "Granite", "Silverline", "Northstar", "Evergreen", "Lakeshore", "Prairie",
    "Meridian", "Beacon", "Falcon", "Horizon", "Ironwood", "Juniper", "Kestrel", "Lighthouse",
    "Magnolia", "Nimbus", "Orion", "Pinnacle", "Quantum", "Riverbend", "Sequoia", "Tidewater",
    "Vantage", "Westfield", "Zenith", "Allied", "Bridgeport", "Coastal", "Empire", "Frontier",
    "Gulfstream", "Heartland", "Interstate", "Jetstream", "Landmark", "Mountainview", "Clearwater",
    "Oakmont", "Patriot", "Ridgeline", "Sterling", "Trinity", "Upland", "Valley", "Windward",
    "Bluewave", "Cobalt", "Driftwood", "Eastgate", "Foxhollow", "Goldleaf", "Highpoint", "Indigo",
    "Jasper", "Kingsley", "Lodestar", "Mariner", "Newport", "Overland", "Paragon", "Quarry",
    "Rockport", "Skyline", "Timberline", "Uptown", "Vista", "Wildflower", "Yellowstone", "thinQ",
    "Telcast", "Bayside", "Cedar Creek", "Dunmore", "Elmwood", "Fairview", "Glenbrook", "Hillcrest",
)

DOMESTIC_SECOND: tuple[str, ...] = (
    "Telecom", "Communications", "Voice", "Network", "Connect", "VoIP", "Telephone", "Digital",
    "Telco", "Broadband", "Carrier Services", "Wireless", "Interconnect", "Tel", "Call Solutions",
    "Signal", "Technologies", "Voice Services",
)

DOMESTIC_LEGAL: tuple[str, ...] = ("LLC", "Inc.", "Corp.", ", Inc.", "LLC", "Co.", "Inc", ", LLC")

FOREIGN_FIRST: tuple[str, ...] = (
    "Global", "Trans", "Inter", "Euro", "Asia", "Sky", "Star", "Orbit", "Nova", "Atlas", "Vertex",
    "Zen", "Swift", "Prime", "Royal", "Metro", "Sun", "Ocean", "Mega", "Alpha", "Omni", "Crystal",
    "Lotus", "Tiger", "Cedar", "Aurora", "Polar", "Ruby", "Saffron", "Indus", "Monsoon", "Baltic",
    "Caspian", "Andes", "Pacific", "Coral", "Emerald", "Jade", "Sapphire", "Velvet",
)

FOREIGN_SECOND: tuple[str, ...] = (
    "Telecom", "Voice", "Carrier", "Networks", "Tel", "Communications", "VoIP", "Telecoms",
    "Connect", "Route", "Link", "Wholesale",
)

# fmt: on

#: ISO-3166 alpha-2 -> (weight, legal suffix printed after foreign provider names).
FOREIGN_COUNTRIES: Mapping[str, tuple[float, str]] = {
    "IN": (0.24, "Pvt Ltd"),
    "PK": (0.09, "(Pvt) Ltd"),
    "PH": (0.09, "Inc."),
    "GB": (0.10, "Ltd"),
    "NL": (0.06, "B.V."),
    "DE": (0.04, "GmbH"),
    "DO": (0.05, "SRL"),
    "CO": (0.05, "S.A.S."),
    "MX": (0.05, "S.A. de C.V."),
    "IL": (0.04, "Ltd"),
    "AE": (0.05, "FZ-LLC"),
    "HK": (0.04, "Limited"),
    "CY": (0.03, "Ltd"),
    "EE": (0.02, "OU"),
    "BD": (0.02, "Ltd"),
    "CA": (0.03, "Inc."),
}

#: The large domestic terminating carriers (the hubs) as (first, second, legal) parts, so that
#: they get printed variants like every other provider; more are generated if needed.
HUB_NAMES: tuple[tuple[str, str, str], ...] = (
    ("Continental Exchange", "Carrier", ", Inc."),
    ("Americom", "Network", "LLC"),
    ("National Tandem", "Services", "Corp."),
    ("United Interexchange", "Telecom", "Inc."),
    ("Transamerica", "Voice Carrier", "LLC"),
    ("Coast to Coast", "Telecom", ", Inc."),
    ("Great Plains", "Telephone", "Co."),
    ("Atlantic Bell", "Network", "Inc."),
)

CUSTOMER_FIRST: tuple[str, ...] = (
    "Prime",
    "Elite",
    "First Choice",
    "National",
    "Secure",
    "Premier",
    "Direct",
    "United",
    "American",
    "Liberty",
    "Golden",
    "Guardian",
    "Pinnacle",
    "Horizon",
    "Summit",
    "Capital",
    "Freedom",
    "Patriot",
    "Advantage",
    "Sunrise",
    "Bright Path",
    "True North",
    "Nationwide",
)

CUSTOMER_SECOND: tuple[str, ...] = (
    "Marketing Group",
    "Lead Solutions",
    "Call Center",
    "Outreach",
    "Benefits Services",
    "Warranty Services",
    "Media",
    "Dialer Services",
    "Consulting",
    "Debt Solutions",
    "Health Advisors",
    "Energy Partners",
    "Tax Resolution",
    "Student Services",
    "Data Leads",
)

#: Campaign category -> variants; an ecosystem's campaigns are "<category> - <variant>".
CAMPAIGNS: Mapping[str, tuple[str, ...]] = {
    "SSA imposter": ("benefits suspended", "SSN suspended", "legal action"),
    "Auto warranty": ("vehicle service contract", "final notice", "extended warranty"),
    "Amazon imposter": ("order confirmation", "account suspended", "refund"),
    "Student loan": ("forgiveness", "consolidation"),
    "Tax relief": ("IRS debt", "back taxes"),
    "Bank preauthorized order": ("large purchase", "fraud alert"),
    "Utility disconnect": ("electric shutoff", "gas disconnect"),
    "Medicare": ("benefits card", "back brace"),
    "Credit card interest": ("rate reduction", "card services"),
    "Tech support imposter": ("virus detected", "subscription renewal"),
    "Package delivery": ("missed delivery", "customs fee"),
    "Energy rebate": ("solar savings", "utility rebate"),
}

#: Labels of the background (noise) tracebacks, which belong to no ecosystem.
NOISE_CAMPAIGNS: tuple[str, ...] = (
    "Health insurance - open enrollment",
    "Debt relief - consolidation",
    "Political survey",
    "Home services - roof inspection",
    "Loan approval - pre-qualified",
    "Charity solicitation",
)

#: response category -> raw texts as they appear in the hop table. Every text maps to exactly the
#: category it is listed under (the truth file repeats this table as ``response_vocabulary``).
RESPONSE_TEXTS: Mapping[str, tuple[str, ...]] = {
    "responded": (
        "Responded - upstream identified",
        "Responded",
        "Upstream identified",
        "RESPONDED - UPSTREAM PROVIDED",
        "Provided upstream",
        "Response received - upstream named",
    ),
    "customer_identified": (
        "Customer identified",
        "Responded - customer identified",
        "Originating customer identified",
        "End user identified",
        "Customer info provided",
    ),
    "no_response": (
        "No response",
        "No Response",
        "Did not respond",
        "Non-responsive",
        "No response within 24 hours",
        "NR",
    ),
    "records_not_found": (
        "Records not found",
        "No records found",
        "Could not locate records",
        "Call records not found",
    ),
    "insufficient_records": (
        "Insufficient records",
        "Insufficient information provided",
        "Incomplete records",
        "Responded - insufficient records",
    ),
    "foreign": (
        "Foreign provider",
        "Foreign provider - upstream named",
        "Non-US provider",
        "International carrier",
        "Foreign - outside US jurisdiction",
    ),
}

#: Foreign-hop texts: a foreign provider that stops the chain, and one that names its upstream.
FOREIGN_STOP: tuple[str, ...] = (
    "Foreign provider",
    "Non-US provider",
    "International carrier",
    "Foreign - outside US jurisdiction",
)
FOREIGN_NAMED: tuple[str, ...] = ("Foreign provider - upstream named", "Foreign provider")

#: Geographic U.S. area codes (no toll-free 8XX, no 500/600/700/900 service codes): victims'
#: numbers and spoofed caller IDs are drawn from these.
# fmt: off
GEOGRAPHIC_NPAS: tuple[int, ...] = (
    201, 202, 203, 205, 206, 207, 208, 209, 210, 212, 213, 214, 215, 216, 217, 218, 219, 224,
    225, 228, 229, 231, 234, 239, 240, 248, 251, 252, 253, 254, 256, 260, 262, 267, 269, 270,
    272, 276, 281, 301, 302, 303, 304, 305, 307, 308, 309, 310, 312, 313, 314, 315, 316, 317,
    318, 319, 320, 321, 323, 325, 330, 331, 334, 336, 337, 339, 346, 347, 351, 352, 360, 361,
    380, 385, 386, 401, 402, 404, 405, 406, 407, 408, 409, 410, 412, 413, 414, 415, 417, 419,
    423, 424, 425, 430, 432, 434, 435, 440, 442, 443, 458, 469, 470, 475, 478, 479, 480, 484,
    501, 502, 503, 504, 505, 507, 508, 509, 510, 512, 513, 515, 516, 517, 518, 520, 530, 531,
    534, 539, 540, 541, 551, 559, 561, 562, 563, 567, 570, 571, 573, 574, 575, 580, 585, 586,
    601, 602, 603, 605, 606, 607, 608, 609, 610, 612, 614, 615, 616, 617, 618, 619, 620, 623,
    626, 628, 629, 630, 631, 636, 641, 646, 650, 651, 657, 660, 661, 662, 667, 669, 678, 681,
    682, 701, 702, 703, 704, 706, 707, 708, 712, 713, 714, 715, 716, 717, 718, 719, 720, 724,
    725, 727, 731, 732, 734, 737, 740, 747, 754, 757, 760, 762, 763, 765, 769, 770, 772, 773,
    774, 775, 779, 781, 785, 786, 801, 802, 803, 804, 805, 806, 808, 810, 812, 813, 814, 815,
    816, 817, 818, 828, 830, 831, 832, 843, 845, 847, 848, 850, 856, 857, 858, 859, 860, 862,
    863, 864, 865, 870, 872, 878, 901, 903, 904, 906, 907, 908, 909, 910, 912, 913, 914, 915,
    916, 917, 918, 919, 920, 925, 928, 929, 931, 936, 937, 940, 941, 947, 949, 951, 952, 954,
    956, 970, 971, 972, 973, 978, 979, 980, 985, 989,
)
# fmt: on

RMD_IMPLEMENTATIONS: tuple[str, ...] = (
    "Complete STIR/SHAKEN Implementation",
    "Partial STIR/SHAKEN Implementation",
    "No STIR/SHAKEN Implementation",
)


def csv_field(value: str) -> str:
    """Return ``value`` quoted for a CSV field when it needs quoting (comma, quote, newline).

    Examples
    --------
    >>> csv_field('Apex Voice, Inc.')
    '"Apex Voice, Inc."'
    >>> csv_field('Apex Voice LLC')
    'Apex Voice LLC'
    """
    if "," in value or '"' in value or "\n" in value or "\r" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


_LEGAL_SWAP: Mapping[str, str] = {
    "LLC": "Inc.",
    ", LLC": " L.L.C.",
    "Inc.": "LLC",
    ", Inc.": " Inc",
    "Inc": ", Inc.",
    "Corp.": "Corporation",
    "Co.": "Company",
}


def name_variants(first: str, second: str, legal: str) -> list[str]:
    """Return alternative printed spellings of the provider ``first second legal``.

    The variants are the kinds seen in real traceback data: a changed legal suffix
    ("Inc." / "LLC"), a changed capitalisation ("thinQ" / "ThinQ"), a singular/plural slip
    ("Network" / "Networks") and a trade name ("X d/b/a Y").

    Examples
    --------
    >>> name_variants("thinQ", "Technologies", ", Inc.")[:2]
    ['thinQ Technologies Inc', 'ThinQ Technologies, Inc.']
    """
    base = f"{first} {second}"
    out = [f"{base}{_legal(_LEGAL_SWAP.get(legal, 'LLC'))}"]
    recased = first[0].swapcase() + first[1:]
    out.append(f"{recased} {second}{_legal(legal)}")
    if second.endswith(("Network", "Connect", "Signal")):
        out.append(f"{first} {second}s{_legal(legal)}")
    else:
        out.append(f"{base.upper()}{_legal(legal).upper()}")
    # The trade name is unique per (first, second) pair, so it never links two providers.
    brand = first.replace(" ", "") + _BRAND_SUFFIX.get(second, second.split()[0])
    out.append(f"{base}{_legal(legal)} d/b/a {brand}")
    return out


#: second word -> trade-name suffix, one-to-one so that trade names stay unique.
_BRAND_SUFFIX: Mapping[str, str] = {
    "Telecom": "Tel",
    "Communications": "Com",
    "Voice": "Voice",
    "Network": "Net",
    "Connect": "Connect",
    "VoIP": "VoIP",
    "Telephone": "Phone",
    "Digital": "Digital",
    "Telco": "Telco",
    "Broadband": "Band",
    "Carrier Services": "Carrier",
    "Wireless": "Wireless",
    "Interconnect": "IX",
    "Tel": "Talk",
    "Call Solutions": "Calls",
    "Signal": "Signal",
    "Technologies": "Tech",
    "Voice Services": "Vox",
}


def _legal(legal: str) -> str:
    return legal if legal.startswith((",", " ")) else f" {legal}"
