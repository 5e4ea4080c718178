"""``python -m appliance_licence``: the same command line as the ``appliance-licence`` script."""

from .cli import main

main()
