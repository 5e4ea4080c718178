"""Privacy operations: the suppression (unsubscribe) list, retention, data-subject requests and
their register, the erasure ledger, and the privacy statement and record of processing."""
