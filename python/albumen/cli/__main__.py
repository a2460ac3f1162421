"""``python -m albumen.cli``: the same as the ``albumen`` command."""

from albumen.cli import main

main()
