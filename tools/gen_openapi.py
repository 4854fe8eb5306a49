"""gen_openapi.py - write the OpenAPI 3.1 document of modq's API (docs/openapi.json).

Usage: python3 tools/gen_openapi.py > docs/openapi.json
       python3 tools/gen_openapi.py --check docs/openapi.json

One op() call per row of the route table (service/api/api_routes.c), with
the statuses its handler answers beyond what its role implies: op() adds
the gate's answers for the role (401 and 429 for a key, 429 for the public
protocols) and the HTTP layer's (413, 431, 500, 503) to every operation.
Schemas sit in SCHEMAS, error answers are named components.responses made
by eresp() from a status and the error codes it may carry. The output is
deterministic (the same text for the same script), kept in git, embedded in
the binary at build time and served at GET /openapi.json.
tests/unit/test_openapi.c checks it against the route table,
tests/integration/contract.py checks every response of the integration
suite against it, test_contract.py checks that docs/openapi.json is what
this script writes.
"""
import argparse
import json
import sys

# ================================================================ schemas

STR = {"type": "string"}
INT = {"type": "integer"}
NUM = {"type": "number"}
BOOL = {"type": "boolean"}


def S(name):
    """A reference to components.schemas[name]."""
    return {"$ref": "#/components/schemas/" + name}


def nullable(t):
    return {"type": [t, "null"]}


def obj(props, required=None, extra=False, **kw):
    """An object of props, all required unless required lists some; no other
    members unless extra (requests: modq ignores members it does not know)."""
    o = {"type": "object", "properties": props,
         "required": list(props) if required is None else required}
    if not extra:
        o["additionalProperties"] = False
    o.update(kw)
    return o


def arr(items, **kw):
    a = {"type": "array", "items": items}
    a.update(kw)
    return a


IDENT = {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,128}$"}
SITE = {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,64}$"}
STATUS = {"type": "string", "enum": ["approved", "pending", "rejected"]}

SCHEMAS = {
 "ErrorBody": obj({"code": STR, "message": STR, "field": STR}, ["code", "message"],
                  description="`field` names the request field at fault, when one is."),
 "Error": obj({"error": S("ErrorBody")}, description="modq's error envelope: every 4xx/5xx answer of modq's own endpoints."),
 "GoogleError": obj({"error": obj({"code": INT, "message": STR, "status": {"type": "string",
    "enum": ["INVALID_ARGUMENT", "UNAUTHENTICATED", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "INTERNAL"]}})},
    description="Perspective's (Google's) error shape."),
 "Health": obj({"status": {"const": "ok"}}),
 "Readiness": obj({"ready": BOOL, "status": {"type": "string", "enum": ["ready", "degraded", "not_ready", "draining"]},
                   "redis": {"type": "string", "enum": ["up", "down"]}, "reason": STR,
                   "spool": obj({"writable": BOOL, "pending": {"type": "integer", "minimum": 0}}, ["writable", "pending"])},
                  ["ready", "status", "redis", "spool"],
                  description="`ready` is whether the answer is 200 (`ready`, or `degraded`: Redis down, the spool writable); `reason` says why Redis is down."),
 "ArticleRequest": obj({"title": {"type": "string"}, "body": STR,
     "url": nullable("string"), "tags": {"type": ["array", "null"], "items": STR, "maxItems": 64}},
     ["title", "body"], extra=True,
     description="`title` at most 1024 bytes, `url` at most 2048, tags at most 256 bytes each. Other members are ignored."),
 "Article": obj({"site": SITE, "id": IDENT, "title": STR, "body": STR, "url": nullable("string"),
                 "tags": arr(STR), "created_ms": INT, "updated_ms": INT},
                description="`url` is `null` when the article was registered without one."),
 "Author": obj({"name": STR, "url": STR}, ["name"],
               description="As the API shows an author: e-mail, IP and user agent are never returned."),
 "AuthorRequest": obj({"name": STR, "email": nullable("string"), "url": nullable("string"),
                       "ip": nullable("string"), "user_agent": nullable("string")}, ["name"], extra=True),
 "CommentRequest": obj({"id": {"type": ["string", "null"], "pattern": "^[A-Za-z0-9._:-]{1,128}$"},
     "article_id": IDENT, "text": STR, "author": S("AuthorRequest"),
     "parent_id": nullable("string"), "created_at": nullable("string")},
     ["article_id", "text", "author"], extra=True,
     description="`id` is generated (32 hex digits) when absent. `text` at most max_body bytes; `author.name` at most 256 bytes; `author.email` must contain `@`; `parent_id` at most 128, `created_at` at most 64 bytes. Other members are ignored."),
 "Flag": obj({"code": STR, "score": NUM, "detail": STR, "evidence": STR,
              "spans": arr(arr({"type": "integer", "minimum": 0}, minItems=2, maxItems=2), maxItems=8)},
             ["code", "score", "detail"],
             description="`evidence` is absent when the flag has none; `spans` (half-open [begin, end] code point ranges of the evidence in `text`, in text order, at most 8) only when the evidence quotes the comment and was found."),
 "Decision": obj({"by": STR, "at_ms": INT, "decision": {"type": "string", "enum": ["approve", "reject"]},
                  "reason": STR, "note": STR}, ["by", "at_ms", "decision"],
                 description="`reason` and `note` appear when the moderator gave them."),
 "Comment": obj({"id": IDENT, "site": SITE, "article_id": IDENT, "status": STATUS,
     "score": {"type": "number", "minimum": 0, "maximum": 1},
     "relevance": {"type": "number", "minimum": 0, "maximum": 1},
     "flags": arr(S("Flag")), "auto_status": STATUS, "provisional": {"const": True},
     "text": STR, "parent_id": nullable("string"), "created_at": nullable("string"),
     "received_ms": INT, "author": S("Author"),
     "decision": {"oneOf": [{"type": "null"}, S("Decision")]},
     "revision": {"type": "integer", "minimum": 1}, "history": arr(S("Revision"), maxItems=32)},
     ["id", "site", "article_id", "status", "score", "flags", "auto_status", "text", "parent_id",
      "created_at", "received_ms", "author", "decision", "revision", "history"],
     description="A comment with its verdict. `relevance` is present when the article is registered; `provisional` (true) only on an answer given while Redis was down; `parent_id` and `created_at` are `null` when the platform sent none; `decision` is `null` until a moderator decides."),
 "Revision": obj({"revision": {"type": "integer", "minimum": 1}, "status": STATUS, "score": NUM,
     "flags": arr(STR), "at": STR}, ["revision", "status", "score", "flags", "at"],
     description="An earlier version's verdict; `at` is the ISO-8601 UTC time it was given."),
 "CommentPage": obj({"items": arr(S("Comment")), "next_cursor": nullable("string")}, ["items", "next_cursor"]),
 "ErasureRequest": obj({"author": obj({"email": STR, "name": STR, "ip": STR}, extra=True)}, ["author"], extra=True,
     description="At least one of `author.email`, `author.name`, `author.ip` (non-empty, at most 256 bytes)."),
 "Erased": obj({"erased": {"type": "integer", "minimum": 0}}, ["erased"]),
 "Claim": obj({"by": STR, "expires_ms": INT, "expires_in_s": NUM}),
 "ThreadComment": obj({"id": IDENT, "text": STR, "author": obj({"name": STR}), "status": STATUS},
     ["id", "text", "author", "status"]),
 "HistoryEntry": obj({"id": IDENT, "status": STATUS, "decided_by": nullable("string"), "at_ms": INT},
     ["id", "status", "decided_by", "at_ms"]),
 "AuthorHistory": obj({"approved": INT, "rejected": INT, "pending": INT, "first_seen_ms": INT,
     "recent": arr(S("HistoryEntry"), maxItems=5)}, ["approved", "rejected", "pending", "recent"]),
 "ReviewContext": obj({
     "article": obj({"id": STR, "title": nullable("string"), "url": nullable("string")}, ["id", "title", "url"]),
     "parent": {"oneOf": [{"type": "null"}, S("ThreadComment")]},
     "thread": arr(S("ThreadComment"), maxItems=3),
     "author_history": {"oneOf": [{"type": "null"}, S("AuthorHistory")]},
     "identity": obj({"user_agent": nullable("string"), "ip": nullable("string"), "email": nullable("string")},
                     ["user_agent", "ip", "email"])},
     description="What a moderator needs to judge the item (docs/review.md#the-queue-and-the-folders-get-v1review): the article, the parent comment, up to 3 comments before it, the author's history on the site and the masked identity (moderators only)."),
 "ReviewItem": obj({"site": SITE, "id": IDENT, "article_id": nullable("string"),
     "article_title": nullable("string"), "queued_ms": INT, "age_s": NUM,
     "claim": {"oneOf": [{"type": "null"}, S("Claim")]},
     "comment": {"oneOf": [{"type": "null"}, S("Comment")]},
     "context": S("ReviewContext")}),
 "ReviewPage": obj({"items": arr(S("ReviewItem")), "count": INT, "next_cursor": nullable("string"), "now_ms": INT}),
 "ClaimRequest": obj({"moderator": STR, "site": SITE, "flag": STR,
     "limit": {"type": "integer", "minimum": 1, "maximum": 100},
     "lease_seconds": {"type": "integer", "minimum": 1, "maximum": 86400}}, ["moderator"], extra=True),
 "ClaimResult": obj({"moderator": STR, "lease_seconds": INT, "items": arr(S("ReviewItem")), "count": INT, "now_ms": INT}),
 "ReleaseRequest": obj({"moderator": STR, "site": SITE, "ids": arr(IDENT, minItems=1, maxItems=500)},
                       ["moderator", "site", "ids"], extra=True),
 "ReleaseResult": obj({"site": SITE, "moderator": STR, "released": arr(STR), "not_held": arr(STR)}),
 "DecisionRequest": obj({"decision": {"type": "string", "enum": ["approve", "reject"]}, "moderator": STR,
     "reason": {"type": "string"}, "note": {"type": "string"}, "override": BOOL},
     ["decision", "moderator"], extra=True,
     description="`moderator` 1-128 bytes without control characters; `reason` at most 512 bytes, `note` at most 2048."),
 "BulkItemRequest": obj({"site": SITE, "id": IDENT, "decision": {"type": "string", "enum": ["approve", "reject"]},
     "reason": STR, "note": STR, "override": BOOL}, ["site", "id", "decision"], extra=True),
 "BulkRequest": obj({"moderator": STR, "decisions": arr(S("BulkItemRequest"), minItems=1, maxItems=500)},
                    ["moderator", "decisions"], extra=True),
 "BulkResult": obj({"moderator": STR, "ok": INT, "failed": INT, "results": arr(obj({
     "site": nullable("string"), "id": nullable("string"),
     "status": {"type": "integer", "enum": [200, 403, 404, 409, 422, 500, 503]},
     "changed": BOOL, "comment": {"oneOf": [{"type": "null"}, S("Comment")]}, "error": S("ErrorBody")},
     ["site", "id", "status"]))},
     description="One result per decision, in order: `changed` and `comment` when its `status` is 200, `error` otherwise."),
 "SiteStats": obj({"pending": INT, "claimed": INT, "unclaimed": INT, "rejected": INT,
     "oldest_pending_ms": nullable("integer"), "oldest_pending_age_s": nullable("number"),
     "decisions_last_hour": INT, "by_flag": {"type": "object", "additionalProperties": INT}}),
 "Stats": obj({"now_ms": INT, "sites": {"type": "object", "additionalProperties": S("SiteStats")}, "total": S("SiteStats")}),
 "AuditEntry": obj({"id": STR, "site": SITE, "logged_ms": INT, "comment_id": STR, "article_id": STR,
     "moderator": STR, "decision": {"type": "string", "enum": ["approve", "reject"]}, "status": STATUS,
     "previous_status": STATUS, "auto_status": STATUS,
     "override": BOOL, "previous_by": STR, "reason": STR, "note": STR, "at_ms": INT},
     ["id", "site", "logged_ms", "comment_id", "article_id", "moderator", "decision", "status",
      "previous_status", "auto_status", "override", "at_ms"],
     description="A decision. `previous_by`, `reason`, `note` appear only when set."),
 "SettingsAuditEntry": obj({"id": STR, "site": SITE, "logged_ms": INT, "event": {"const": "settings"},
     "version": STR, "actor": {"type": "string", "enum": ["client", "moderator"]}, "key_id": STR,
     "request": STR, "at_ms": INT},
     ["id", "site", "logged_ms", "event", "version", "actor", "key_id", "request", "at_ms"],
     description="A change of the site's settings: `key_id` is 16 hex digits of the key's SHA-256 (never the key), `request` the body as sent."),
 "Audit": obj({"entries": arr({"oneOf": [S("AuditEntry"), S("SettingsAuditEntry")]}), "count": INT,
               "next_cursor": nullable("string")}),
 "Detector": obj({"code": STR, "kind": {"type": "string", "enum": ["spam", "review", "style"]},
     "needs": arr(STR), "uses": arr(STR),
     "evidence": {"type": "string", "enum": ["span", "links", "words", "comment", "value", "none"]},
     "weight": NUM, "default_weight": NUM, "enabled": BOOL, "overrides_trust": BOOL, "summary": STR}),
 "Detectors": obj({"detectors": arr(S("Detector")), "other_codes": arr(STR)}),
 "WebhookRequest": obj({"url": STR, "secret": {"type": "string", "minLength": 16, "maxLength": 256},
     "events": {"type": ["array", "null"], "items": {"type": "string", "enum": ["decision", "verdict"]}, "minItems": 1}},
     ["url", "secret"], extra=True,
     description="`url`: absolute http(s) URL of at most 2048 bytes whose host webhook_allowed_networks allows; `secret`: 16 to 256 characters without spaces or control characters; `events` default `[\"decision\"]`."),
 "Webhook": obj({"site": SITE, "url": STR,
     "events": arr({"type": "string", "enum": ["decision", "verdict"]}),
     "created_ms": INT, "updated_ms": INT,
     "outbox": obj({"pending": INT, "in_flight": INT, "dead": INT, "last_error": STR, "last_error_ms": INT},
                   ["pending", "in_flight", "dead"])},
     description="The registration without its secret. `outbox.last_error` and `last_error_ms` appear after a failed delivery."),
 "DeadLetter": obj({"id": STR, "event": {"type": "string", "enum": ["decision", "verdict"]}, "attempts": INT,
     "last_error": STR, "occurred_ms": INT, "dead_ms": INT}, ["id", "event", "attempts", "occurred_ms", "dead_ms"]),
 "DeadLetters": obj({"items": arr(S("DeadLetter")), "next_cursor": nullable("string")}, ["items", "next_cursor"]),
 "Requeued": obj({"id": STR, "requeued": INT}, ["requeued"]),
 "AkismetUsage": obj({"limit": STR, "usage": INT, "percentage": STR, "throttled": BOOL}),
 "CoralRequest": {"type": "object", "required": ["action", "comment", "author", "story"],
     "description": "Coral Talk's external moderation phase request: `action` NEW or EDIT, `comment.body`, `comment.parentID`, `author.id`, `author.role`, `story.id`, `story.url`; the site from `?site=`, `site.id`, `tenant.id` or `tenantID`."},
 "CoralResult": obj({"status": {"type": "string", "enum": ["SYSTEM_WITHHELD", "REJECTED"]},
     "actions": arr(obj({"actionType": {"const": "FLAG"}, "reason": STR, "additionalDetails": STR})),
     "metadata": obj({"modq": obj({"id": STR, "site": SITE, "status": STATUS, "score": NUM})})}),
 "PerspectiveRequest": {"type": "object", "required": ["comment", "requestedAttributes"],
     "description": "Perspective's AnalyzeCommentRequest (v1alpha1): `comment.text`, `comment.type`, `requestedAttributes`, `spanAnnotations`, `languages`, `doNotStore`, `clientToken`; see docs/api.md."},
 "Score": obj({"value": {"type": "number", "minimum": 0, "maximum": 1}, "type": {"const": "PROBABILITY"}}),
 "PerspectiveResult": obj({"attributeScores": {"type": "object", "additionalProperties": obj({
         "summaryScore": S("Score"),
         "spanScores": arr(obj({"begin": INT, "end": INT, "score": S("Score")}))}, ["summaryScore"])},
     "languages": arr(STR), "detectedLanguages": arr(STR), "clientToken": STR},
     ["attributeScores", "languages", "detectedLanguages"]),
 "Redirect": obj({"location": STR}),
 "WhoAmI": obj({"moderator": nullable("string"), "site": nullable("string"),
     "sites": {"type": ["array", "null"], "items": SITE}, "anonymous": BOOL},
     ["moderator", "site", "sites", "anonymous"],
     description="`moderator` is null for a key without a name (`anonymous` true); `site` and `sites` are null for a key that may use every site."),
 "Settings": obj({"site": SITE, "version": INT, "settings": {"type": "object"}}, ["site", "version", "settings"],
     description="Every effective setting as `{value, source, key}` (source: default, file or site), grouped as in docs/api.md#site-settings."),
 "SettingsRequest": {"type": "object",
     "description": "Only the fields to change, in the shape of `settings` without `value`/`source`; `null` resets a field or a group."},
}

# ======================================================= error responses

# components.responses, filled by eresp(): one per (status, error codes).
responses = {}
NAMES = {"E400_bad_framing_bad_target_malformed_json": "MalformedJson",
 "E414_too_many_query_arguments": "TooManyQueryArguments", "E501_unsupported_transfer_coding": "UnsupportedTransferCoding", "E401_unauthorized": "Unauthorized", "E403_forbidden": "Forbidden", "E403_forbidden_moderator_mismatch": "ForbiddenOrModeratorMismatch",
 "E409_conflict": "SettingsConflict",
 "E422_field_too_long_invalid_body_invalid_field_invalid_utf8_missing_field_too_deep_unknown_detector_unknown_field": "InvalidSettings",
 "E409_already_decided_conflict_lease_held": "DecisionConflict", "E409_comment_in_progress_id_conflict": "CommentConflict",
 "E409_conflict_id_conflict": "EditConflict",
 "E413_body_too_large": "BodyTooLarge", "E415_unsupported_media_type": "UnsupportedMediaType",
 "E422_field_too_long_invalid_body_invalid_field_invalid_utf8_missing_field_too_deep": "InvalidRequest",
 "E422_field_too_long_invalid_body_invalid_field_invalid_utf8_missing_field_too_deep_webhook_url_not_allowed": "InvalidWebhook",
 "E422_invalid_field": "InvalidParameter", "E429_rate_limited": "RateLimited", "E431_header_too_large": "HeaderTooLarge",
 "E500_internal": "Internal", "E500_internal_out_of_memory": "InternalOrOutOfMemory",
 "E503_redis_unavailable_too_many_connections": "RedisUnavailable", "E503_too_many_connections": "TooManyConnections"}
HDR = {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}}


def error_schema(codes):
    """modq's error envelope with error.code one of codes."""
    return {"allOf": [S("Error"), {"properties": {"error": {"properties": {
        "code": {"enum": sorted(codes)}}}}}]}


def eresp(status, codes, desc, extra_hdr=None, name=None):
    """A reference to the named error response for status carrying one of
    codes (made on first use: the first description wins)."""
    codes = sorted(codes)
    key = name or NAMES["E%d_" % status + "_".join(codes)]
    if key not in responses:
        r = {"description": desc, "headers": dict(HDR),
             "content": {"application/json": {"schema": error_schema(codes)}}}
        if extra_hdr:
            r["headers"].update(extra_hdr)
        responses[key] = r
    return {"$ref": "#/components/responses/" + key}
RA = {"Retry-After": {"$ref": "#/components/headers/Retry-After"}}
RA_REQ = {"Retry-After": {"description": "Seconds to wait before retrying.", "required": True, "schema": {"type": "string", "pattern": "^[0-9]+$"}}}
VALIDATION = ["invalid_field", "missing_field", "field_too_long", "invalid_utf8", "invalid_body", "too_deep"]


def ok(desc, schema, ctype="application/json", more=None):
    """A successful response with a body of schema (as ctype)."""
    r = {"description": desc, "headers": dict(HDR), "content": {ctype: {"schema": schema}}}
    if more:
        r["content"].update(more)
    return r


# ============================================================ operations

def op(route, summary, role, statuses, params=(), body=None, tags=None, security=None):
    """One operation: route and role as in the route table (x-modq-route,
    x-modq-role), statuses the handler's own answers; the role's gate
    answers and the HTTP layer's are added here."""
    o = {"operationId": None, "x-modq-route": route, "summary": summary}
    if tags:
        o["tags"] = tags
    ps = [{"$ref": "#/components/parameters/X-Request-Id"}] + list(params)
    o["parameters"] = ps
    if body: o["requestBody"] = body
    r = dict(statuses)
    # every route: the HTTP layer's own answers, and 500 (out of memory)
    r.setdefault("400", eresp(400, ["bad_framing", "bad_target"], "From the HTTP layer: `Content-Length` with `Transfer-Encoding`, or two different `Content-Length` headers (`bad_framing`), or `%00` in the target (`bad_target`); the connection is closed after the answer.", name="BadFraming"))
    r.setdefault("414", eresp(414, ["too_many_query_arguments"], "More than 64 query arguments."))
    r.setdefault("501", eresp(501, ["unsupported_transfer_coding"], "A `Transfer-Encoding` other than one `chunked`."))
    r.setdefault("413", eresp(413, ["body_too_large"], "The body is larger than max_body (seen from Content-Length, or while a chunked body arrives)."))
    r.setdefault("431", eresp(431, ["header_too_large"], "Request line and headers larger than max_header."))
    if "500" not in r: r["500"] = eresp(500, ["internal"], "Out of memory, or a stored record is unreadable.")
    if "503" not in r: r["503"] = eresp(503, ["too_many_connections"], "More than max_connections connections (`Retry-After: 1`).", extra_hdr=RA_REQ)
    if role in ("client", "moderator"):
        r.setdefault("401", eresp(401, ["unauthorized"], "No `Authorization: Bearer` key, or an unknown one (`WWW-Authenticate` is set).",
                                  extra_hdr={"WWW-Authenticate": {"required": True, "schema": {"const": "Bearer realm=\"modq\""}}}))
        r.setdefault("429", eresp(429, ["rate_limited"], "rate_limit_ip, rate_limit_key or auth_fail_limit reached.", extra_hdr=RA_REQ))
    if role == "public":
        r.setdefault("429", eresp(429, ["rate_limited"], "rate_limit_ip, rate_limit_key or auth_fail_limit reached.", extra_hdr=RA_REQ))
    o["responses"] = dict(sorted(r.items()))
    if security is not None:
        o["security"] = security
    elif role in ("client", "moderator"):
        o["security"] = [{"bearer": []}]
    else:
        o["security"] = []
    o["x-modq-role"] = role
    return o



def P(name):
    """A reference to components.parameters[name]."""
    return {"$ref": "#/components/parameters/" + name}


def q(name, desc, schema=STR):
    """An optional query parameter."""
    return {"name": name, "in": "query", "required": False, "description": desc,
            "schema": schema}


def jbody(schema):
    return {"required": True, "content": {"application/json": {"schema": schema}}}


# the error answers most routes share

def E400():
    return eresp(400, ["bad_framing", "bad_target", "malformed_json"], "The body is not JSON (also: duplicate keys, `\\u0000` in strings); or, from the HTTP layer, `Content-Length` with `Transfer-Encoding` or two different `Content-Length` headers (`bad_framing`), or `%00` in the target (`bad_target`): the connection is closed after the answer.")
def E415():
    return eresp(415, ["unsupported_media_type"], "A body without `Content-Type: application/json`.")
def E403():
    return eresp(403, ["forbidden"], "The key may not use this site, or a client key on a moderator endpoint.")
def E404():
    return eresp(404, ["not_found"], "No such article, comment, webhook or file; also the answer to an unknown path.", name="NotFound")
def E422(codes=VALIDATION):
    return eresp(422, codes, "A path or query parameter is invalid (`invalid_field`)" if codes == ["invalid_field"] else "A field is missing, of the wrong type, too long or not UTF-8, or the body is not an object (`error.field` names the field).")
def E503R():
    return eresp(503, ["redis_unavailable", "too_many_connections"], "Redis is unavailable (`redis_unavailable`), or more than max_connections connections (`too_many_connections`, `Retry-After: 1`).", extra_hdr=RA)
def E500C():
    return eresp(500, ["internal", "out_of_memory"], "Out of memory, or a stored record is unreadable.")


paths = {}


def add(path, method, o):
    paths.setdefault(path, {})[method] = o



add("/healthz", "get", op("healthz", "Liveness", "open", {"200": ok("The process serves.", S("Health"))}, tags=["operations"]))
add("/readyz", "get", op("readyz", "Readiness: this instance can answer comments", "open", {
    "200": ok("Redis answers (`ready`), or it does not and the spool is writable (`degraded`).", S("Readiness")),
    "503": {"description": "Redis does not answer and the spool is not writable (`not_ready`), or draining after SIGTERM (`draining`): a Readiness body; or more than max_connections connections (the error envelope, `too_many_connections`).",
            "headers": dict(HDR, **RA), "content": {"application/json": {"schema": {"oneOf": [S("Readiness"),
             error_schema(["too_many_connections"])]}}}}},
    tags=["operations"]))
add("/metrics", "get", op("metrics", "Prometheus metrics", "open", {"200": ok("Prometheus text format.", STR, "text/plain; version=0.0.4")}, tags=["operations"]))
add("/openapi.json", "get", op("openapi", "This document", "open", {"200": ok("The OpenAPI 3.1 document of this build (docs/openapi.json).", {"type": "object"})}, tags=["operations"]))

site_p, id_art, id_com = P("site"), P("article_id"), P("comment_id")
add("/v1/sites/{site}/articles/{id}", "put", op("article_put", "Register or replace an article", "client", {
    "200": ok("Replaced.", S("Article")), "201": ok("Created.", S("Article")),
    "400": E400(), "403": E403(), "415": E415(), "422": E422(), "500": E500C(), "503": E503R()},
    params=[site_p, id_art], body=jbody(S("ArticleRequest")), tags=["articles"]))
add("/v1/sites/{site}/articles/{id}", "get", op("article_get", "Read an article", "client", {
    "200": ok("The article.", S("Article")), "403": E403(), "404": E404(),
    "422": E422(["invalid_field"]), "503": E503R()}, params=[site_p, id_art], tags=["articles"]))
add("/v1/sites/{site}/comments", "post", op("comment_post", "Check a comment", "client", {
    "200": ok("The same id and content were posted before: the stored verdict.", S("Comment")),
    "201": ok("Analysed and stored (or spooled: `provisional`).", S("Comment")),
    "400": E400(), "403": E403(), "415": E415(), "422": E422(),
    "409": eresp(409, ["id_conflict", "comment_in_progress"], "The id is stored with different content (`id_conflict`), or another request with this id was still being processed 3 s later (`comment_in_progress`, `Retry-After: 1`).", extra_hdr=RA),
    "500": E500C(),
    "503": eresp(503, ["redis_unavailable", "too_many_connections"], "Neither Redis nor the spool could store the comment (`redis_unavailable`), or more than max_connections connections.", extra_hdr=RA)},
    params=[site_p], body=jbody(S("CommentRequest")), tags=["comments"]))
add("/v1/sites/{site}/comments", "get", op("comment_list", "The site's comments, newest first", "client", {
    "200": ok("A page of comments.", S("CommentPage")), "403": E403(), "422": E422(["invalid_field"]), "503": E503R()},
    params=[site_p, q("article_id", "Only the comments of this article.", IDENT),
            q("status", "Only comments currently in this state.", STATUS),
            q("limit", "1-200, default 50.", {"type": "integer", "minimum": 1, "maximum": 200}),
            q("cursor", "`next_cursor` of the previous page.", STR)], tags=["comments"]))
add("/v1/sites/{site}/comments/{id}", "put", op("comment_edit", "Check an edited comment again", "client", {
    "200": ok("The new version (or the stored one when nothing changed).", S("Comment")), "400": E400(), "403": E403(),
    "404": E404(), "409": eresp(409, ["conflict", "id_conflict"], "Decisions kept changing the record under the edit (`conflict`), or another POST of the id landed between the two steps (`id_conflict`)."),
    "415": E415(), "422": E422(), "500": E500C(), "503": E503R()},
    params=[site_p, id_com], body=jbody(S("CommentRequest")), tags=["comments"]))
add("/v1/sites/{site}/comments/{id}", "delete", op("comment_delete", "Erase a comment and every trace of its text and author", "client", {
    "204": {"description": "Erased.", "headers": dict(HDR)}, "403": E403(), "404": E404(),
    "409": eresp(409, ["conflict"], "Decisions kept changing the record (5 reads in a row)."),
    "422": E422(["invalid_field"]), "500": E500C(), "503": E503R()}, params=[site_p, id_com], tags=["erasure"]))
add("/v1/sites/{site}/erasure", "post", op("erasure", "Erase everything one person posted on the site", "client", {
    "200": ok("How many comments were erased.", S("Erased")), "400": E400(), "403": E403(),
    "409": eresp(409, ["conflict"], "Decisions kept changing the record (5 reads in a row)."),
    "415": E415(), "422": E422(), "500": E500C(), "503": E503R()},
    params=[site_p], body=jbody(S("ErasureRequest")), tags=["erasure"]))
add("/v1/sites/{site}/articles/{id}", "delete", op("article_delete", "Remove an article (its comments stay)", "client", {
    "204": {"description": "Removed.", "headers": dict(HDR)}, "403": E403(), "404": E404(),
    "409": eresp(409, ["conflict"], "Puts of the same article kept replacing it (5 reads in a row)."),
    "422": E422(["invalid_field"]), "503": E503R()}, params=[site_p, id_art], tags=["articles"]))
add("/v1/sites/{site}/comments/{id}", "get", op("comment_get", "Read a comment and its current status", "client", {
    "200": ok("The comment.", S("Comment")), "403": E403(), "404": E404(),
    "422": E422(["invalid_field"]), "503": E503R()}, params=[site_p, id_com], tags=["comments"]))

def MOD_COMMON():
    return {"403": E403(), "503": E503R()}


def E403M():
    return eresp(403, ["forbidden", "moderator_mismatch"], "The key may not use this site or a client key on a moderator endpoint (`forbidden`), or the body names a moderator other than the key's holder (`moderator_mismatch`).")


add("/v1/review", "get", op("review_list", "The review queue and the decided folders, with each item's context", "moderator", dict(MOD_COMMON(), **{
    "200": ok("A page of items (possibly short: see docs/review.md on filters).", S("ReviewPage")), "422": E422(["invalid_field"])}),
    params=[q("site", "One site; omitted: every site the key may use.", SITE), q("article_id", "Only comments under this article.", IDENT),
            q("flag", "Only comments carrying this flag code.", STR),
            q("status", "The folder: `pending` (default), `rejected` or `approved`.", {"type": "string", "enum": ["pending", "rejected", "approved"]}),
            q("q", "Words that must all occur in the text (at most 256 bytes, 8 words).", STR),
            q("author", "The author's name or e-mail, whole, ASCII case folded (at most 256 bytes).", STR),
            q("sort", "`age` (default) or `score`.", {"type": "string", "enum": ["age", "score"]}),
            q("limit", "1-200, default 50.", {"type": "integer", "minimum": 1, "maximum": 200}), q("cursor", "`next_cursor` of the previous page.", STR)],
    tags=["review"]))
REVIEW_422 = ["invalid_field", "missing_field", "field_too_long", "invalid_utf8", "invalid_body", "too_deep"]
add("/v1/review/claim", "post", op("review_claim", "Lease the oldest free items to a moderator", "moderator", dict(MOD_COMMON(), **{"403": E403M(), 
    "200": ok("The items leased (possibly none).", S("ClaimResult")), "400": E400(), "415": E415(), "422": E422(REVIEW_422)}),
    body=jbody(S("ClaimRequest")), tags=["review"]))
add("/v1/review/release", "post", op("review_release", "Give back leases", "moderator", dict(MOD_COMMON(), **{"403": E403M(), 
    "200": ok("Which ids were released.", S("ReleaseResult")), "400": E400(), "415": E415(), "422": E422(REVIEW_422)}),
    body=jbody(S("ReleaseRequest")), tags=["review"]))
add("/v1/sites/{site}/comments/{id}/decision", "post", op("decision", "Approve or reject a comment", "moderator", dict(MOD_COMMON(), **{"403": E403M(), 
    "200": ok("Decided (or the same decision again): the updated comment.", S("Comment")), "400": E400(), "404": E404(),
    "409": eresp(409, ["already_decided", "lease_held", "conflict"], "The other decision was given before and `override` is not true (`already_decided`), another moderator holds a live lease (`lease_held`), or the record kept changing (`conflict`)."),
    "415": E415(), "422": E422(REVIEW_422)}), params=[site_p, id_com], body=jbody(S("DecisionRequest")), tags=["review"]))
add("/v1/review/decisions", "post", op("bulk_decisions", "Many decisions at once", "moderator", {
    "200": ok("One result per decision.", S("BulkResult")), "400": E400(), "403": E403M(), "415": E415(), "422": E422(REVIEW_422)},
    body=jbody(S("BulkRequest")), tags=["review"]))
add("/v1/review/stats", "get", op("review_stats", "Queue statistics", "moderator", dict(MOD_COMMON(), **{
    "200": ok("Per site and in total.", S("Stats")), "422": E422(["invalid_field"])}),
    params=[q("site", "One site; omitted: every site the key may use.", SITE)], tags=["review"]))
add("/v1/audit", "get", op("audit", "The decision audit log, oldest first", "moderator", dict(MOD_COMMON(), **{
    "200": ok("A page of entries.", S("Audit")), "422": E422(["invalid_field"])}),
    params=[q("site", "One site; omitted: every site the key may use.", SITE), q("since", "Milliseconds since the epoch.", {"type": "integer", "minimum": 0}),
            q("limit", "1-1000, default 100.", {"type": "integer", "minimum": 1, "maximum": 1000}), q("cursor", "`next_cursor` of the previous page.", STR)],
    tags=["review"]))
add("/v1/review/whoami", "get", op("review_whoami", "Whose moderator key this is", "moderator", {
    "200": ok("The key's holder and scope.", S("WhoAmI")), "403": E403()}, tags=["review"]))
add("/v1/sites/{site}/settings", "get", op("settings", "The site's effective settings, each with its source", "client", {
    "200": ok("The effective settings.", S("Settings")), "403": E403(), "422": E422(["invalid_field"]), "503": E503R()},
    params=[site_p], tags=["settings"]))
add("/v1/sites/{site}/settings", "put", op("settings", "Change some of the site's settings", "client", {
    "200": ok("The effective settings after the change.", S("Settings")), "400": E400(), "403": E403(), "415": E415(),
    "409": eresp(409, ["conflict"], "Other changes of the site's settings kept landing first (8 attempts)."),
    "422": E422(VALIDATION + ["unknown_field", "unknown_detector"]), "503": E503R()},
    params=[site_p], body=jbody(S("SettingsRequest")), tags=["settings"]))
add("/v1/detectors", "get", op("detectors", "The engine's detectors and this instance's settings", "client", {
    "200": ok("The detector table.", S("Detectors"))}, tags=["detectors"]))
add("/v1/sites/{site}/webhook", "put", op("webhook", "Register or replace the site's webhook", "client", {
    "200": ok("Replaced.", S("Webhook")), "201": ok("Created.", S("Webhook")), "400": E400(), "403": E403(), "415": E415(),
    "422": E422(VALIDATION + ["webhook_url_not_allowed"]), "503": E503R()}, params=[site_p], body=jbody(S("WebhookRequest")), tags=["webhooks"]))
add("/v1/sites/{site}/webhook", "get", op("webhook", "The site's webhook registration", "client", {
    "200": ok("The registration (no secret) with its outbox counts.", S("Webhook")), "403": E403(), "404": E404(),
    "422": E422(["invalid_field"]), "503": E503R()}, params=[site_p], tags=["webhooks"]))
add("/v1/sites/{site}/webhook", "delete", op("webhook", "Remove the site's webhook, its queued deliveries and dead letters", "client", {
    "204": {"description": "Removed.", "headers": dict(HDR)}, "403": E403(), "404": E404(),
    "422": E422(["invalid_field"]), "503": E503R()}, params=[site_p], tags=["webhooks"]))

add("/v1/sites/{site}/webhook/dead", "get", op("webhook_dead", "The site's dead letters, newest first", "client", {
    "200": ok("A page of dead letters (never the comment).", S("DeadLetters")), "403": E403(), "404": E404(),
    "422": E422(["invalid_field"]), "503": E503R()},
    params=[site_p, q("limit", "1-200, default 50.", {"type": "integer", "minimum": 1, "maximum": 200}),
            q("cursor", "`next_cursor` of the previous page.", STR)], tags=["webhooks"]))
add("/v1/sites/{site}/webhook/dead/retry", "post", op("webhook_dead", "Redeliver every dead letter of the site", "client", {
    "200": ok("How many went back to the outbox.", S("Requeued")), "403": E403(), "404": E404(),
    "422": E422(["invalid_field"]), "503": E503R()}, params=[site_p], tags=["webhooks"]))
add("/v1/sites/{site}/webhook/dead/{id}/retry", "post", op("webhook_dead", "Redeliver one dead letter", "client", {
    "200": ok("Back in the outbox under the same delivery id.", S("Requeued")), "403": E403(), "404": E404(),
    "422": E422(["invalid_field"]), "503": E503R()},
    params=[site_p, {"name": "id", "in": "path", "required": True, "description": "The dead letter's delivery id.", "schema": STR}],
    tags=["webhooks"]))

AK_TEXT = "text/plain; charset=utf-8"
FORM = {"required": False, "content": {"application/x-www-form-urlencoded": {"schema": {"type": "object", "additionalProperties": STR}}}}
def ak(route, path, summary, ok_desc, more=None, method="post", statuses=None):
    st = {"200": ok(ok_desc + " Errors in the request are `invalid` with an `X-akismet-debug-help` header, as Akismet answers them.", STR, AK_TEXT, more)}
    if statuses: st.update(statuses)
    add(path, method, op(route, summary, "public", st, body=FORM if method == "post" else None, tags=["akismet"],
                          security=[{"akismet_key": []}]))


def AK_ERR(desc):
    return {"description": desc, "headers": dict(HDR, **RA), "content": {AK_TEXT: {"schema": STR}}}


ak("akismet", "/1.1/verify-key", "Akismet: verify a key", "`valid`, or `invalid`.")
ak("akismet", "/1.1/comment-check", "Akismet: check a comment", "`true` (spam or held), `false`; `invalid` for a bad request.", statuses={
    "409": AK_ERR("Another request with this comment's id was still being processed (the message as text)."),
    "500": {"description": "Out of memory (text, or modq's error envelope).", "headers": dict(HDR), "content": {AK_TEXT: {"schema": STR},
            "application/json": {"schema": error_schema(["internal"])}}},
    "503": {"description": "Neither Redis nor the spool could store the comment (text, `Retry-After: 5`), or more than max_connections connections (modq's error envelope).",
            "headers": dict(HDR, **RA), "content": {AK_TEXT: {"schema": STR},
            "application/json": {"schema": error_schema(["too_many_connections"])}}}})
ak("akismet", "/1.1/submit-spam", "Akismet: report spam", "`Thanks for making the web a better place.`")
ak("akismet", "/1.1/submit-ham", "Akismet: report a false positive", "`Thanks for making the web a better place.`")
ak("akismet", "/1.2/usage-limit", "Akismet: usage", "The usage as JSON; `invalid` (text) for a bad key.", {"application/json": {"schema": S("AkismetUsage")}}, method="get")
ak("akismet", "/1.2/usage-limit", "Akismet: usage", "The usage as JSON; `invalid` (text) for a bad key.", {"application/json": {"schema": S("AkismetUsage")}})

add("/v1/integrations/coral", "post", op("coral", "Coral Talk external moderation phase", "public", {
    "200": ok("The comment is withheld or rejected: Coral's moderation actions.", S("CoralResult")),
    "204": {"description": "Approved, nothing to analyse, or a staff author.", "headers": dict(HDR)},
    "400": E400(),
    "401": eresp(401, ["unauthorized"], "A bad or missing `X-Coral-Signature` (coral_secret set), or no client key (coral_secret not set).", name="CoralUnauthorized"),
    "403": E403(), "409": eresp(409, ["id_conflict", "comment_in_progress"], "As for `POST /v1/sites/{site}/comments`.", extra_hdr=RA),
    "415": E415(), "422": E422(VALIDATION), "500": E500C(),
    "503": eresp(503, ["redis_unavailable", "too_many_connections"], "Neither Redis nor the spool could store the comment, or more than max_connections connections.", extra_hdr=RA)},
    params=[q("site", "The site (else `site.id`, `tenant.id` or `tenantID` of the body).", SITE)],
    body=jbody(S("CoralRequest")), tags=["coral"], security=[{"coral_signature": []}, {"bearer": []}]))



def G(desc, hdr=None):
    """An error answer in Perspective's (Google's) shape."""
    return {"description": desc, "headers": dict(HDR, **(hdr or {})),
            "content": {"application/json": {"schema": S("GoogleError")}}}


add("/v1alpha1/comments:analyze", "post", op("perspective", "Perspective API: analyse a comment", "client_own_key", {
    "200": ok("Scores per requested attribute.", S("PerspectiveResult")),
    "400": G("`INVALID_ARGUMENT`: see docs/api.md."),
    "401": G("`UNAUTHENTICATED`: no key, or not a configured one."),
    "403": G("`PERMISSION_DENIED`: a site-scoped key without `?site=` or outside its sites."),
    "429": G("`RESOURCE_EXHAUSTED`: a rate limit was reached.", RA_REQ),
    "500": {"description": "Out of memory (Google's shape, or modq's envelope).", "headers": dict(HDR), "content": {"application/json": {"schema": {"oneOf": [S("GoogleError"),
             error_schema(["internal"])]}}}}},
    params=[q("key", "A client or moderator key (or send it as a bearer).", STR), q("site", "A site the key is scoped to.", SITE)],
    body=jbody(S("PerspectiveRequest")), tags=["perspective"], security=[{"perspective_key": []}, {"bearer": []}]))

add("/review", "get", op("review_page", "The review page: redirect to /review/", "open", {
    "308": {"description": "To `/review/` (`Location`).", "headers": dict(HDR, Location={"required": True, "schema": {"const": "/review/"}}), "content": {"application/json": {"schema": S("Redirect")}}}},
    tags=["review page"]))
add("/review/{file}", "get", op("review_page", "The review page's files (empty file: index.html)", "open", {
    "200": {"description": "The file.", "headers": dict(HDR), "content": {t: {"schema": STR} for t in [
        "text/html; charset=utf-8", "text/css; charset=utf-8", "text/javascript; charset=utf-8", "image/svg+xml", "image/png"]}},
    "404": E404()},
    params=[{"name": "file", "in": "path", "required": True, "description": "A file name of the page (A-Z a-z 0-9 . _ -, known extension); empty for index.html.", "schema": STR}],
    tags=["review page"]))

paths["/review/{file}"]["x-modq-route-pattern"] = "/review/*"
for path, ops in paths.items():
    for m, o in ops.items():
        if not m in ("get", "put", "post", "delete"): continue
        o["operationId"] = (m + path).replace("/", "_").replace("{", "").replace("}", "").replace(".", "_").replace(":", "_").replace("-", "_")

doc = {
 "openapi": "3.1.0",
 "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
 "info": {"title": "modq", "version": "1",
   "description": "Comment moderation over HTTP. docs/api.md describes each endpoint; this document is checked against the route table (tests/unit/test_openapi.c) and every response of the integration suite is validated against it (tests/integration/harness.py). Every response carries `X-Request-Id`. An unknown path answers 404 `not_found` and a known path with another method 405 `method_not_allowed` (with `Allow`), both in the error envelope (components.responses.NotFound, MethodNotAllowed)."},
 "servers": [{"url": "http://127.0.0.1:8080"}],
 "paths": paths,
 "components": {
   "schemas": SCHEMAS,
   "parameters": {
     "X-Request-Id": {"name": "X-Request-Id", "in": "header", "required": False,
        "description": "Taken as the request's id when it is 1-128 printable ASCII characters; otherwise (or when absent) modq generates one (32 hex digits). Echoed in the response and written in the request's log lines.",
        "schema": {"type": "string", "pattern": "^[ -~]{1,128}$"}},
     "site": {"name": "site", "in": "path", "required": True, "description": "1-64 characters of A-Z a-z 0-9 . _ : - (`422 invalid_field` otherwise).", "schema": STR},
     "article_id": {"name": "id", "in": "path", "required": True, "description": "The article's id: 1-128 characters of A-Z a-z 0-9 . _ : -.", "schema": STR},
     "comment_id": {"name": "id", "in": "path", "required": True, "description": "The comment's id: 1-128 characters of A-Z a-z 0-9 . _ : -.", "schema": STR},
   },
   "headers": {
     "X-Request-Id": {"description": "The request's id (as sent, or generated).", "required": True, "schema": {"type": "string", "pattern": "^[ -~]{1,128}$"}},
     "Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "string", "pattern": "^[0-9]+$"}},
   },
   "responses": responses,
   "securitySchemes": {
     "bearer": {"type": "http", "scheme": "bearer", "description": "A client key (client_keys) or a moderator key (moderator_keys)."},
     "perspective_key": {"type": "apiKey", "in": "query", "name": "key", "description": "A client or moderator key, the way Perspective clients send it."},
     "coral_signature": {"type": "apiKey", "in": "header", "name": "X-Coral-Signature", "description": "HMAC-SHA256 of the body with coral_secret (when it is set)."},
     "akismet_key": {"type": "apiKey", "in": "query", "name": "api_key", "description": "Akismet's key: the `key` / `api_key` form field, `?api_key=` on GET, or `KEY.host` as the host name."},
   }},
}
responses["MethodNotAllowed"] = {"description": "The path exists with other methods (listed in `Allow`).",
    "headers": dict(HDR, Allow={"required": True, "schema": {"type": "string", "pattern": "^[A-Z]+(, [A-Z]+)*$"}}), "content": {"application/json": {"schema": error_schema(["method_not_allowed"])}}}
doc["components"]["responses"] = dict(sorted(responses.items()))
TEXT = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", metavar="FILE",
                    help="exit 1 unless FILE holds exactly what this script writes")
    args = ap.parse_args()
    if args.check:
        with open(args.check, encoding="utf-8") as f:
            if f.read() != TEXT:
                print("%s is not what tools/gen_openapi.py writes: run "
                      "python3 tools/gen_openapi.py > %s" % (args.check, args.check),
                      file=sys.stderr)
                return 1
        return 0
    sys.stdout.write(TEXT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
