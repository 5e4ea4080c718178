"""The appliance's licence: an Ed25519-signed file checked offline, and what it allows."""
