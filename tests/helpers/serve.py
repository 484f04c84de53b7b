"""A loopback file server for the tests: serves DIR on 127.0.0.1 (a free port, printed on stdout).

    python3 tests/helpers/serve.py DIR [--tls CERT KEY]

Directories answer with their index.html, as a static PEP 503 index needs. Runs until killed.
"""

import functools
import http.server
import ssl
import sys


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def main(argv):
    root = argv[0]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=root))
    if len(argv) == 4 and argv[1] == "--tls":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(argv[2], argv[3])
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
