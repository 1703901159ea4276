"""Every threshold pre-review uses, in one place, each with why it has the value it has.

These are *review* thresholds: when to call something suspicious. They are not legal
thresholds (40 % RVC, 10 % de minimis, 20 % Art. 2.6(3) live, dated, in the rule set's
``parameters.yaml``) and they never change the engine's verdict.
"""

from __future__ import annotations

from decimal import Decimal

# RVC_MARGIN_THIN: an RVC met by fewer than this many percentage points is fragile. Material
# prices, the exchange rate of the month and the valuation basis (CIF at importation or the
# earliest price paid, Art. 3.5(3)) each move an RVC by a point or two; five points absorbs
# the usual drift between the pre-review and the shipment.
RVC_THIN_MARGIN_POINTS = Decimal("5")

# DE_MINIMIS_RELIED: within this many points of the de minimis tolerance (Art. 3.7), the same
# drift can push the good over it; the finding then warns instead of informing.
DE_MINIMIS_THIN_MARGIN_POINTS = Decimal("1")

# FX_RATE_STALE: customs convert at the rate in effect at exportation (Art. 3.5(2) and the
# Customs Valuation Agreement, Art. 9); many administrations publish one rate a month. A rate
# dated more than a month (31 days) away from the declaration date is not that rate.
FX_STALE_DAYS = 31

# FX_RATE_CONFLICT: a declared rate and the inverse of the reverse pair may differ by rounding
# (quoted to 4-6 digits); more than half a per cent is two different rates.
FX_INVERSE_TOLERANCE = Decimal("0.005")

# HS_DESCRIPTION_MISMATCH: the suggester scores how well a code's nomenclature text fits a
# description (0..1). A warning needs both a confident best suggestion (at least this score,
# below which the description is too vague to judge, e.g. "part 12") ...
HS_MIN_BEST_SCORE = 0.30
# ... and a declared code that scores this much lower than the best one. Neighbouring
# subheadings of one heading score within a few hundredths of each other; a gap this wide
# means another heading's text fits the description clearly better.
HS_SCORE_GAP = 0.25
# How many suggestions a finding carries (in its data and its suggested fix).
HS_TOP_SUGGESTIONS = 3
