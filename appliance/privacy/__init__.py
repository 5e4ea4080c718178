"""Privacy operations: the suppression (unsubscribe) list; retention and data-subject requests
arrive with the privacy issue."""
