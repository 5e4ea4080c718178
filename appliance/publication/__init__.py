"""Publication: a survey's averages and anonymous reviews, made public by the organisation.

Staff choose what to publish (``service``); a snapshot is cut with the researcher's release
(``store.snapshot``); the public reads it through ``gate`` alone.
"""
