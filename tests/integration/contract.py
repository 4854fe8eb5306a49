"""contract.py - every response the suite receives, checked against docs/openapi.json.

harness.py calls check() for each response it reads (Modq.request and
Client.request): the (method, path) must be an operation of the document and
the status one of its documented responses, its required headers present
and its documented headers valid, the Content-Type one of that response's
media types, a JSON body valid against its schema (JSON Schema
2020-12, python3-jsonschema), a response without content an empty body, and
X-Request-Id present. An unknown path may only answer the router's 404 or an
answer of the HTTP layer (400, 413, 414, 431, 501, 503), a known path with an undocumented
method only 405 or those; their JSON bodies are checked against the
document's components.responses. Bodies that are not JSON on such paths are
not checked. A violation raises ContractError naming the operation, the
status and what did not match.
"""
import json
import os
import re

try:
    from jsonschema import Draft202012Validator
except ImportError as e:
    raise ImportError("the integration tests validate responses against docs/openapi.json "
                      "with python3-jsonschema (Draft 2020-12): apt-get install -y "
                      "python3-jsonschema (%s)" % e)

DOC_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                        "openapi.json")
# The operations a path item may hold (test_contract.py walks them too).
METHODS = ("get", "put", "post", "delete", "patch")
# Answers of the HTTP layer and the router, possible on any path
# (components.responses of the document).
UNROUTED = {400: "BadFraming", 404: "NotFound", 413: "BodyTooLarge", 414: "TooManyQueryArguments",
            431: "HeaderTooLarge", 501: "UnsupportedTransferCoding", 503: "TooManyConnections"}
WRONG_METHOD = {400: "BadFraming", 405: "MethodNotAllowed", 413: "BodyTooLarge",
                414: "TooManyQueryArguments", 431: "HeaderTooLarge",
                501: "UnsupportedTransferCoding", 503: "TooManyConnections"}


class ContractError(AssertionError):
    pass


with open(DOC_PATH, "rb") as f:
    DOC_BYTES = f.read()
DOC = json.loads(DOC_BYTES)
COMPONENTS = DOC["components"]


def _pattern(path, item):
    """A regex for a document path: {param} is one non-empty segment; a path
    item with x-modq-route-pattern ".../*" matches everything below it."""
    wild = item.get("x-modq-route-pattern", "")
    if wild.endswith("/*"):
        return re.compile(re.escape(wild[:-1]) + ".*\\Z")
    parts = re.split(r"(\{[^}/]+\})", path)
    rx = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(rx + "\\Z")


PATHS = [(p, _pattern(p, item), item) for p, item in DOC["paths"].items()]
# Validators by the id() of the schema they check: every schema is a node
# of DOC, which lives as long as the process, so an id is never reused.
_validators = {}


def _validator(schema):
    """A validator for schema, its $refs resolved in the document (the schema
    sits in a root that carries the document's components)."""
    v = _validators.get(id(schema))
    if v is None:
        v = Draft202012Validator({"components": COMPONENTS, "allOf": [schema]})
        _validators[id(schema)] = v
    return v


def _deref(obj):
    while isinstance(obj, dict) and "$ref" in obj:
        ref = obj["$ref"]
        assert ref.startswith("#/"), ref
        node = DOC
        for part in ref[2:].split("/"):
            node = node[part]
        obj = node
    return obj


def find(method, path):
    """(document path, path item, operation or None) for a request, or
    (None, None, None) when no path of the document matches."""
    path = path.split("?", 1)[0]
    m = "get" if method.upper() == "HEAD" else method.lower()
    for p, rx, item in PATHS:
        if rx.match(path):
            return p, item, item.get(m)
    return None, None, None


def _media(content, ctype):
    """The media type entry of content for a response's Content-Type."""
    if ctype in content:
        return ctype, content[ctype]
    base = ctype.split(";", 1)[0].strip().lower()
    for name, entry in content.items():
        if name.split(";", 1)[0].strip().lower() == base:
            return name, entry
    return None, None


def _is_json(ctype):
    base = ctype.split(";", 1)[0].strip().lower()
    return base == "application/json" or base.endswith("+json")


def check(method, path, status, headers, raw):
    """Raise ContractError unless this response is one the document allows.
    headers: a dict of the response's headers (any case); raw: its bytes."""
    h = {k.lower(): v for k, v in headers.items()}
    ctype = h.get("content-type", "")
    where = "%s %s -> %d" % (method, path.split("?", 1)[0], status)
    if not h.get("x-request-id"):
        raise ContractError("%s: no X-Request-Id header" % where)
    doc_path, item, op = find(method, path)
    if op is None:
        table = UNROUTED if doc_path is None else WRONG_METHOD
        what = "an unknown path" if doc_path is None else \
            "a method %s does not document" % doc_path
        if status not in table:
            if doc_path is None and not _is_json(ctype):
                return  # not an API path, not a JSON answer: not ours to check
            raise ContractError("%s: %s may answer %s only, got %d %r" %
                                (where, what, sorted(table), status, raw[:300]))
        resp = COMPONENTS["responses"][table[status]]
        label = "components.responses." + table[status]
    else:
        resp = op["responses"].get(str(status))
        label = "%s %s (%s)" % (method.upper(), doc_path, op.get("x-modq-route"))
        if resp is None:
            raise ContractError("%s: status %d is not documented for %s (documented: %s); "
                                "body %r" % (where, status, label, ", ".join(op["responses"]),
                                             raw[:300]))
        resp = _deref(resp)
    for name, hdoc in resp.get("headers", {}).items():
        hdoc = _deref(hdoc)
        value = h.get(name.lower())
        if value is None:
            if hdoc.get("required"):
                raise ContractError("%s: %s requires the header %s" % (where, label, name))
            continue
        if "schema" not in hdoc:
            continue
        errors = list(_validator(hdoc["schema"]).iter_errors(value))
        if errors:
            raise ContractError("%s: header %s: %r: %s (%s)" %
                                (where, name, value, errors[0].message, label))
    content = resp.get("content")
    if method.upper() == "HEAD":
        return
    if not content:
        if raw:
            raise ContractError("%s: %s documents no body, got %r" % (where, label, raw[:300]))
        return
    name, entry = _media(content, ctype)
    if entry is None:
        raise ContractError("%s: Content-Type %r is not one %s documents for %d (%s)" %
                            (where, ctype, label, status, ", ".join(content)))
    if not _is_json(name):
        return
    try:
        body = json.loads(raw)
    except ValueError as e:
        raise ContractError("%s: body is not JSON (%s): %r" % (where, e, raw[:300]))
    v = _validator(entry["schema"])
    errors = sorted(v.iter_errors(body), key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        at = "/".join(str(p) for p in e.absolute_path) or "(root)"
        raise ContractError("%s: body does not match %s, response %d: at %s: %s\nbody: %s" %
                            (where, label, status, at, e.message,
                             raw[:600].decode("utf-8", "replace")))
