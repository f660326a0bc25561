"""Print where to open Kraftsamla: this computer, and the address phones on the wifi use."""

import socket
import sys

from app.config import get_settings


def lan_address() -> str | None:
    # Connecting a UDP socket sends nothing; it only asks the OS which interface would be used.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed, never contacted
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def main(port: int) -> None:
    public = get_settings().public_url
    print()
    print(f"  Kraftsamla on this computer:  http://localhost:{port}/")
    if public:
        print(f"  Phones open (PUBLIC_URL):     {public.rstrip('/')}/join")
    else:
        lan = lan_address()
        if lan:
            print(f"  Phones on the same wifi open: http://{lan}:{port}/join")
        else:
            print("  No network address found: connect to the venue's wifi to let phones in.")
    print()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else get_settings().port)
