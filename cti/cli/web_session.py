"""What each browser session of ``ctidesk console --web`` runs: the ``ctidesk`` command,
in a process that ends with the server that started it.

``python -m cti.cli.web_session SERVER_PID console --url …``. textual-serve tells a
session's console to quit when its page closes or the server stops; a server that dies
without telling (killed, out of memory) would leave its consoles running, logged in, with
nobody at them. So the session asks Linux to send it SIGTERM when its parent dies
(``prctl(PR_SET_PDEATHSIG)``), and ends at once if the server is already gone.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def end_with_server(server_pid: int) -> None:
    """Be sent SIGTERM when the parent process ends; exit now if it is not ``server_pid``
    (the server died before the request was made)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG)")
    if os.getppid() != server_pid:
        sys.exit("ctidesk console --web: the server of this session is gone")


def main() -> None:
    """Run ``ctidesk`` with the arguments after the server's pid, ending with the server."""
    if len(sys.argv) < 2 or not sys.argv[1].isdigit():
        sys.exit("usage: python -m cti.cli.web_session SERVER_PID CTIDESK-ARGUMENTS…")
    end_with_server(int(sys.argv[1]))
    del sys.argv[1]
    from cti.cli import main as ctidesk

    ctidesk()


if __name__ == "__main__":
    main()
