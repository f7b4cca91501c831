"""``python -m cti.cli``: the ``ctidesk`` command, for processes started with this Python
(each browser session of ``ctidesk console --web``)."""

from cti.cli import main

main()
