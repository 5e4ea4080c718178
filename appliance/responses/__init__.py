"""Response plane: answers without any contact id, read by staff, never by the researcher.

A response row holds no contact id, invitation id, IP address or user agent; the response store
(``appliance.responses.store``) enforces it.
"""
