"""The card-reader agent of a desk: watches its PC/SC readers and reports each card tapped.

It runs on the desk's machine (``ctidesk cards watch``, or inside the console when
``[cards] readers = "auto"``), imports nothing of the service, and reads readers through
pcscd with pyscard (:mod:`card_agent.pcsc`); the service resolves the UID.
"""
