"""What came back from a URL: status, size and the text's encoding."""

import charset_normalizer
import requests


def describe(url):
    r = requests.get(url, timeout=30)
    best = charset_normalizer.from_bytes(r.content).best()
    return r.ok, "%s %d, %d bytes, %s" % (url, r.status_code, len(r.content), best.encoding if best else "binary")
