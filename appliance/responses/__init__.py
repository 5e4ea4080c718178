"""Response plane: answers without any contact id, read by staff, never by the researcher.

The respondent pages and the response store arrive with the surveys issue. The rule that a
response row holds no contact id, invitation id, IP address or user agent is enforced here.
"""
