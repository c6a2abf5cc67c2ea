"""Every number the grader decides with, named in one place, with why it has its value."""

from __future__ import annotations

MIN_WORDS = 12  # below this a phase has "insufficient evidence"


LEVEL_CUTS = (0.25, 0.5, 0.75)  # score thresholds for levels 2, 3, 4


SATURATION = 0.6  # raw weighted credit at which a phase counts as fully covered


ON_TOPIC_FLOOR = 0.4  # below this share of on-topic words, the score shrinks in proportion


# Similarity to match mapping: below `lo` is no match, above `hi` a full match.
EMB_LO, EMB_HI = 0.30, 0.62


LEX_LO, LEX_HI = 0.12, 0.50


# Match from a key point's expert terms (signals): one distinct term, two or more.
SIGNAL_ONE, SIGNAL_TWO = 0.55, 0.8


# Runs of this many consecutive words shared with the notes are copied; a sentence whose words
# are mostly (this share) inside such runs was copied. One shared phrase is not copying.
COPY_RUN, COPIED = 8, 0.6


# Coverage at or above this means a sentence is about the point (it may still lack depth).
MATCHED = 0.35


# A point with less credit than this is reported as missed.
MISSED_BELOW = 0.25


# Score lost for each asserted wrong claim or dismissal, and at most in all.
WRONG_CLAIM_COST, DISMISSAL_COST, MAX_PENALTY = 0.15, 0.08, 0.35


# A criterion with an asserted misconception stays below level 4; so does a phase with one, and a
# phase with two or more is at most level 2: confident and wrong is not solid.
MISCONCEPTION_CAP = LEVEL_CUTS[2] - 0.01


SEVERAL_WRONG_CAP = LEVEL_CUTS[1] - 0.01


# The grader's bar for "asserts a misconception" is lower than the interviewer's
# (misconceptions.py): a false hit here costs one sentence's credit, a false challenge costs the
# candidate's trust. Chosen on the tune split of evals/grading: (0.60, 0.15) left 57 % of
# confident-wrong answers at medium or above, (0.50, 0.05) 36 %; lower still hurt full interviews.
GRADING_WRONG_BAR = (0.50, 0.05)


def wrong_cap(asserted: int) -> float:
    return 1.0 if asserted == 0 else MISCONCEPTION_CAP if asserted == 1 else SEVERAL_WRONG_CAP


# In a full interview the bar is the highest-weight points that fit the slot: about one point per
# this many minutes, and never fewer than MIN_BAR points.
MINUTES_PER_POINT, MIN_BAR = 1.25, 3


def ramp(value: float, lo: float, hi: float) -> float:
    return float(min(1.0, max(0.0, (value - lo) / (hi - lo))))


# Credit at or above this is "explained well" (with depth); below it "mentioned".
EXPLAINED = 0.5
# A point within this distance of MISSED_BELOW or EXPLAINED sits on the fence (lowers confidence).
FENCE = 0.08
# A point's second-best sentence adds this share of its credit (saying it twice adds a little).
SECOND_SENTENCE_SHARE = 0.25
# Match blends embedding and word-overlap evidence; the embedding is the stronger witness.
EMBEDDING_WEIGHT = 0.6
# IDF given to a word no key point of the note uses.
UNSEEN_IDF = 0.5
