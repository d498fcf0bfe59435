"""The page's look: colour-blind-safe colours by role and segment, desk titles, font sizes.

Importing it selects matplotlib's Agg backend (the page draws PNGs, no GUI).
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # day 0 is a Monday

# Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO = {"orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73", "yellow": "#F0E442",
             "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7", "black": "#000000",
             "grey": "#999999"}
ROLE_STYLE = {  # role value -> (colour, legend label)
    "l1": (OKABE_ITO["sky"], "L1 agent"),
    "l2": (OKABE_ITO["blue"], "L2 engineer"),
    "generalist": (OKABE_ITO["green"], "generalist"),
    "specialist": (OKABE_ITO["purple"], "specialist"),
    "engineer": (OKABE_ITO["vermillion"], "product engineer"),
}
DESIGN_STYLE = {  # design -> (colour, line style) in the side-by-side charts
    "tiered": (OKABE_ITO["blue"], "-"),
    "generalist": (OKABE_ITO["green"], "-"),
    "pilot": (OKABE_ITO["orange"], "--"),
}
SEGMENT_STYLE = {  # customer segment -> (colour, legend label)
    "smb": ("#D9D9D9", "SMB customer"),  # colours used when there is no goodwill
    "mid_market": (OKABE_ITO["orange"], "mid-market customer"),
    "enterprise": (OKABE_ITO["black"], "enterprise customer"),
}
SEGMENT_SIZE = {"smb": 22, "mid_market": 45, "enterprise": 80}  # marker area (pt^2)
GOODWILL_CMAP = matplotlib.colormaps["cividis"]  # perceptually uniform, colour-blind safe
DESK_TITLES = {"l1": "L1", "l2": "L2", "engineering": "Engineering", "specialists": "Specialists",
               "pilot_pod": "Pilot pod"}
FONT = {"title": 13, "label": 11, "tick": 10, "legend": 9.5}
