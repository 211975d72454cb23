"""``python -m rackforge.cli``: the ``rackforge`` command."""

from rackforge.cli import main

main()
