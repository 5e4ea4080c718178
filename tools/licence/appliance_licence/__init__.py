"""The vendor's licence tool: makes the vendor key pair, issues signed appliance licences and
signs install bundles.

It lives apart from the appliance package on purpose: an installed appliance holds only the
vendor's public key and has no code that signs anything. The formats written here are the ones
``appliance.licence.document`` and ``installer/install.sh`` read; this package does not import
the appliance, so the two sides share a format, never code.
"""
