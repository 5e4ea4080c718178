"""The start page of each role: what needs attention today (see ``appliance.home_views``)."""
