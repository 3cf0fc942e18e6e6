"""The fictional company behind the demo book: its CS team, segments, plans and
prices, and the words its accounts, contacts, interactions and tickets are made of."""

from __future__ import annotations

# -- the company ---------------------------------------------------------------------

MANAGERS = {
    "Enterprise": ("Maya Lindqvist", "Tomás Okafor"),
    "Mid-market": ("Priya Raman", "Jonas Becker", "Chloé Martin"),
    "SMB": ("Sam Whitfield", "Aiko Tanaka", "Lucas Ferreira"),
}
HEAD_OF_CS = "Rosa Delgado"
SEGMENTS = (("Enterprise", 0.15), ("Mid-market", 0.35), ("SMB", 0.50))
PLANS = {
    "Enterprise": (("Enterprise", 5_200),),
    "Mid-market": (("Business", 3_900), ("Growth", 2_900)),
    "SMB": (("Growth", 2_900), ("Starter", 1_500)),
}
SEATS = {"Enterprise": (120, 1_200), "Mid-market": (25, 180), "SMB": (3, 25)}
CHURN_PER_YEAR = {"Enterprise": 0.06, "Mid-market": 0.12, "SMB": 0.22}
INTERACTION_WEIGHT = {"Enterprise": 1.7, "Mid-market": 1.1, "SMB": 0.7}
TICKETS_PER_MONTH = {"Enterprise": 4.0, "Mid-market": 2.0, "SMB": 0.8}
ONSET = 0.5  # the stress a decline starts with: the first signs are clear ones
CONTACTS = {"Enterprise": (4, 7), "Mid-market": (3, 5), "SMB": (1, 3)}

NAME_HEADS = (  # noqa: SIM905
    "Acme Arbor Aster Beacon Birch Bluefin Bramble Brightwater Cascade Cedar Cinder Cobalt "
    "Copper Crescent Driftwood Ember Evergreen Falcon Fernhill Fjord Glacier Granite Harbor "
    "Heron Hollow Indigo Juniper Kestrel Lantern Larch Lumen Maple Marigold Meridian Nimbus "
    "Northwind Oakridge Onyx Orchid Osprey Pebble Pinecrest Prairie Quartz Quill Redwood "
    "Ridgeline Saffron Sable Silverline Sparrow Summit Tidewater Timber Topaz Tundra Umber "
    "Vantage Willow Zephyr"
).split()
NAME_TAILS = (
    "Analytics",
    "Bakery Group",
    "Biotech",
    "Capital",
    "Clinics",
    "Construction",
    "Consulting",
    "Dental",
    "Energy",
    "Foods",
    "Freight",
    "Games",
    "Health",
    "Hotels",
    "Insurance",
    "Labs",
    "Legal",
    "Logistics",
    "Manufacturing",
    "Media",
    "Motors",
    "Outdoor",
    "Pharma",
    "Realty",
    "Retail",
    "Robotics",
    "Software",
    "Studios",
    "Telecom",
    "Travel",
)
FIRST_NAMES = (  # noqa: SIM905
    "Ada Alex Amara Ben Carla Chen Dana Diego Elena Emil Farah Felix Grace Hana Hugo Ines "
    "Ivan Jade Jamal Kai Kara Leo Lina Malik Mara Mateo Nadia Nils Omar Petra Quinn Rafael "
    "Rhea Sami Sofia Tariq Uma Vera Wes Yara Zoe"
).split()
LAST_NAMES = (  # noqa: SIM905
    "Abbott Bauer Castillo Dubois Eriksen Fischer Garcia Haddad Ivanova Jensen Kowalski "
    "Larsen Moreau Nakamura Novak Olsen Patel Quinlan Rossi Schmidt Silva Sorensen Tan Uddin "
    "Vargas Weber Xu Yilmaz Zimmer"
).split()
ROLES = ("Champion", "Admin", "VP Operations", "Head of IT", "Finance", "Team lead", "Analyst")

SUMMARIES = {
    "call": {
        1: ("Call: team loves the new dashboards", "Call: rollout to a second team agreed"),
        0: ("Call: routine check-in", "Call: walked through the admin settings"),
        -1: ("Call: frustrated about slow support", "Call: asked how to cancel seats"),
    },
    "email": {
        1: ("Email: thanks for the quick fix", "Email: asked about more seats"),
        0: ("Email: shared the release notes", "Email: invoice question answered"),
        -1: ("Email: complaint about outages", "Email: budget under review"),
    },
    "meeting": {
        1: ("Meeting: success plan agreed", "Meeting: new use case workshop"),
        0: ("Meeting: training session", "Meeting: roadmap walkthrough"),
        -1: ("Meeting: escalation with their sponsor", "Meeting: adoption concerns raised"),
    },
    "qbr": {
        1: ("QBR: strong ROI, expansion discussed",),
        0: ("QBR: goals reviewed for next quarter",),
        -1: ("QBR: value questioned by new sponsor",),
    },
    "note": {
        1: ("Note: champion promoted internally",),
        0: ("Note: updated the account plan",),
        -1: ("Note: champion left the company", "Note: competitor trial spotted"),
    },
}
TICKET_SUBJECTS = (
    "Cannot log in with SSO",
    "Export to Excel times out",
    "Question about user roles",
    "Dashboard shows wrong totals",
    "API rate limit reached",
    "Invoice address change",
    "Slow page loads",
    "Integration sync failing",
    "How to bulk-invite users",
    "Data import rejected",
)
DETRACTOR_COMMENTS = ("Too many bugs lately", "Support is slow", "Not worth the price")
PROMOTER_COMMENTS = ("Great product and team", "Saves us hours every week")
CATALOGUE = (
    ("Onboarding package", 150_000),
    ("Training day", 90_000),
    ("Premium support add-on", 60_000),
    ("Data migration", 250_000),
    ("Extra storage pack", 20_000),
    ("API call bundle", 30_000),
)
