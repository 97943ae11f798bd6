"""Request bodies off the socket: Content-Length or chunked, bounded in size and nesting depth."""

import io
import itertools

from mlgitops.engine.http import rest

MAX_BODY = 32 * 1024 * 1024
MAX_DEPTH = 100
_LINE = 1024  # longest chunk-size or trailer line read
# The depth check keeps only quotes and brackets (bytes.translate, in C); with escaped backslashes
# and quotes removed first, every other piece between quotes lies outside the strings.
_NOT_STRUCTURE = bytes(byte for byte in range(256) if byte not in b'"[]{}')
_STEPS = [{ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}.get(byte, 0) for byte in range(256)]


def _bad_request(reason: str) -> rest.RestResponse:
    return rest.error_response(400, "illegal_argument_exception", reason)


def _too_large() -> rest.RestResponse:
    reason = f"request body is larger than the limit of {MAX_BODY} bytes"
    return rest.error_response(413, "content_too_long_exception", reason)


def read_chunked(rfile: io.BufferedIOBase) -> bytes | rest.RestResponse:
    """A ``Transfer-Encoding: chunked`` body, or the error answer when it is malformed or too large."""
    chunks: list[bytes] = []
    total = 0
    while True:
        try:
            size = int(rfile.readline(_LINE).split(b";", 1)[0].strip(), 16)
        except ValueError:
            size = -1
        if size < 0:
            return _bad_request("invalid chunked request body")
        if size == 0:
            while rfile.readline(_LINE).strip():  # optional trailers end with an empty line
                pass
            return b"".join(chunks)
        total += size
        if total > MAX_BODY:
            return _too_large()
        chunks.append(rfile.read(size))
        rfile.readline(_LINE)


def content_length(header: str | None) -> int | rest.RestResponse:
    """The request's body length, or the error answer for a bad or oversized Content-Length."""
    try:
        length = int(header or 0)
    except ValueError:
        length = -1
    if length < 0:
        return _bad_request(f"invalid Content-Length [{header}]")
    if length > MAX_BODY:
        return _too_large()
    return length


def check_depth(body: bytes | None) -> rest.RestResponse | None:
    """A 400 when arrays and objects nest deeper than MAX_DEPTH (brackets in strings do not count)."""
    if not body or body.count(b"{") + body.count(b"[") <= MAX_DEPTH:
        return None  # cannot be deeper: the usual case costs two byte counts
    skeleton = body.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _NOT_STRUCTURE)
    brackets = b"".join(skeleton.split(b'"')[::2])
    if max(itertools.accumulate(map(_STEPS.__getitem__, brackets)), default=0) <= MAX_DEPTH:
        return None
    reason = f"request body nests objects and arrays deeper than {MAX_DEPTH} levels"
    return rest.error_response(400, "parse_exception", reason)
