"""Paper surveys: printable forms (``layout``, ``form_pdf``), invitations by post, data entry of
returned forms."""
