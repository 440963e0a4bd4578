#!/usr/bin/env python3
"""The JSON contract test (docs/json.md): every subcommand that accepts --json
is run on a store built from the bundled example incident and the IAM fixture,
and each document is validated against its schema under docs/schema/ with
python3-jsonschema; every --jsonl line against the schema of its item.

Fails when a subcommand with --json (taken from `gumshoe completion bash`,
which is generated from the CLI's own subcommand table) has no schema or no
invocation here, when a document does not validate, and when a schema accepts
a document with a required field missing or of the wrong type.

Usage: json_schema_test.py --gumshoe BIN --source REPO_DIR
"""
import argparse
import copy
import json
import os
import re
import subprocess
import sys
import tempfile

try:
    import jsonschema
except ImportError:
    sys.exit("json_schema_test: python3-jsonschema is missing (apt-get install python3-jsonschema)")

FINDING = "8ec7a5b2f1d34e6a9c0b1d2e3f4a5b6c"  # CryptoCurrency:EC2/BitcoinTool.B!DNS, examples/incident
CI_DEPLOY = "arn:aws:iam::111122223333:user/ci-deploy"
LEAKED_KEY = "AKIA2LEAKEDCIDEPLOY1"
SESSION_KEY = "ASIA5OPSADMINSESS001"
INSTANCE = "i-0a1b2c3d4e5f60001"
STOLEN_KEY_FINDING = "7f3e2d1c0b9a8f7e6d5c4b3a29180716"  # tests/data/incidents/stolen_key
ANALYST_KEY = "AKIAEXAMPLEANALYST01"  # tests/data/iam/data: resource access, resource policies, an SCP

# Arrays that must not be empty in at least one document of the schema, so
# that the schema of their items is exercised (/-separated paths; [] = each item).
MUST_FILL = {
    "gumshoe.pivot/1": ["groups[]/neighbors", "derived"],
    "gumshoe.lineage/1": ["nodes", "links", "roots"],
    "gumshoe.detect/1": ["findings"],
    "gumshoe.blast-radius/1": ["footholds", "nodes", "attempts", "nodes[]/path",
                               "latent/principals", "latent/edges", "latent/edges[]/evidence"],
    "gumshoe.findings/1": ["findings", "findings[]/affected"],
    "gumshoe.findings-groups/1": ["groups", "groups[]/tying"],
    "gumshoe.timeline/1": ["entries"],
    "gumshoe.investigate/1": ["involved", "lineages", "indicators", "related_findings", "latent_exposure",
                              "checklist", "exposures/items", "exposures/denied"],
    "gumshoe.could/1": ["paths", "paths[]/steps", "resources", "resources[]/actions", "resources[]/evidence",
                        "wildcards", "wildcards[]/denied_by", "blocked_access", "blocked_access[]/denied_by",
                        "external_grants", "scps_applied", "scp_notes"],
}

# Per subcommand: (schema, arguments) of each --json invocation. A subcommand
# with --json that is missing here fails the test.
INVOCATIONS = {
    "ingest": [],  # run while building the store, below
    "stats": [("gumshoe.stats/1", ["stats"])],
    "entities": [("gumshoe.entities/1", ["entities", "--kind", "iam_user"]),
                 ("gumshoe.entities/1", ["entities", "--limit", "5", "--offset", "3"])],
    "show": [("gumshoe.show/1", ["show", CI_DEPLOY])],
    "pivot": [("gumshoe.pivot/1", ["pivot", CI_DEPLOY]),
              ("gumshoe.pivot/1", ["pivot", "--since", "2026-11-02", "--until", "2026-11-02", LEAKED_KEY]),
              ("gumshoe.pivot/1", ["pivot", "arn:aws:iam::111122223333:user/svc-backup"])],
    "check": [("gumshoe.check/1", ["check"])],
    "lineage": [("gumshoe.lineage/1", ["lineage", SESSION_KEY]),
                ("gumshoe.lineage/1", ["lineage", "--descendants", LEAKED_KEY])],
    "detect": [("gumshoe.detect/1", ["detect", "--dry-run"]),
               ("gumshoe.detect/1", ["detect", "--dry-run", "--since", "2024-03-20", "--until", "2024-03-20"])],
    "blast-radius": [("gumshoe.blast-radius/1", ["blast-radius", FINDING]),
                     ("gumshoe.blast-radius/1", ["blast-radius", "--latent", FINDING]),
                     ("gumshoe.blast-radius/1", ["blast-radius", "--latent", ANALYST_KEY])],
    "findings": [("gumshoe.findings/1", ["findings"]),
                 ("gumshoe.findings-groups/1", ["findings", "--groups"])],
    "timeline": [("gumshoe.timeline/1", ["timeline", INSTANCE])],
    "investigate": [("gumshoe.investigate/1", ["investigate", FINDING]),
                    ("gumshoe.investigate/1", ["investigate", "AKIAEXAMPLEBUILDBOT1"]),
                    ("gumshoe.investigate/1", ["investigate", STOLEN_KEY_FINDING])],
    "could": [("gumshoe.could/1", ["could", "AKIAEXAMPLEBUILDBOT1", "--as-of", "2026-11-03T00:00:00Z"]),
              ("gumshoe.could/1", ["could", ANALYST_KEY, "--as-of", "2026-11-06T00:00:00Z"])],
}

# Per subcommand with --jsonl: the $defs item each line is, and the arguments.
JSONL = {
    "entities": [("gumshoe.entities/1", "entity", ["entities", "--kind", "iam_user"])],
    "findings": [("gumshoe.findings/1", "finding", ["findings"]),
                 ("gumshoe.findings-groups/1", "group", ["findings", "--groups"])],
    "timeline": [("gumshoe.timeline/1", "entry", ["timeline", INSTANCE])],
}

# Per schema: mutations of nested members that the schema must reject, as
# (what, path to an object, member, new value or DROP); a path with [] takes
# the first item of that array. Skipped when the document lacks the path, but
# each must apply to at least one document.
DROP = object()
MUTATIONS = {
    "gumshoe.blast-radius/1": [
        ("latent.as_of not ISO 8601", "latent", "as_of", "2026-11-12"),
        ("latent.snapshots negative", "latent", "snapshots", -1),
        ("latent.principals[].credential a string", "latent/principals[]", "credential", ANALYST_KEY),
        ("latent.edges[].observed true", "latent/edges[]", "observed", True),
        ("latent.edges[].from an ARN string", "latent/edges[]", "from", "arn:aws:iam::210987654321:user/analyst"),
        ("latent.edges[].to.label removed", "latent/edges[]/to", "label", DROP),
        ("latent.edges[].method removed", "latent/edges[]", "method", DROP),
        ("latent.edges[].wildcard removed", "latent/edges[]", "wildcard", DROP),
    ],
    "gumshoe.could/1": [
        ("resources removed", "", "resources", DROP),
        ("resources[].edge not an access edge", "resources[]", "edge", "can_assume"),
        ("resources[].path 0", "resources[]", "path", 0),
        ("resources[].resource.kind a number", "resources[]/resource", "kind", 1),
        ("resources[].observed_event a string", "resources[]", "observed_event", "cloudtrail:x"),
        ("resources[].actions a string", "resources[]", "actions", "s3:GetObject"),
        ("wildcards[].known removed", "wildcards[]", "known", DROP),
        ("wildcards[].whole_account a string", "wildcards[]", "whole_account", "no"),
        ("blocked_access[].denied_by a string", "blocked_access[]", "denied_by", "Sid DenyProdDb"),
        ("blocked_access[].action removed", "blocked_access[]", "action", DROP),
        ("external_grants[].public removed", "external_grants[]", "public", DROP),
        ("external_grants[].resource.first_seen not ISO 8601", "external_grants[]/resource", "first_seen", "1731000000"),
        ("scps_applied a string", "", "scps_applied", "none"),
        ("scp_notes items numbers", "", "scp_notes", [1]),
    ],
}

failures = []
mutated = set()  # (schema, what) of the MUTATIONS applied


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg, file=sys.stderr)


def schema_file(source, name):
    # gumshoe.blast-radius/1 -> docs/schema/gumshoe.blast-radius-1.schema.json
    return os.path.join(source, "docs", "schema", name.replace("/", "-") + ".schema.json")


def load_schemas(source):
    schemas = {}
    d = os.path.join(source, "docs", "schema")
    for f in sorted(os.listdir(d)):
        if f.endswith(".schema.json"):
            with open(os.path.join(d, f)) as fh:
                s = json.load(fh)
            jsonschema.Draft202012Validator.check_schema(s)
            schemas[s["$id"]] = s
    return schemas


def make_validator(schema, schemas):
    cls = jsonschema.Draft202012Validator
    try:  # jsonschema >= 4.18
        from referencing import Registry, Resource
        registry = Registry().with_resources(
            [(i, Resource.from_contents(s)) for i, s in schemas.items()])
        return cls(schema, registry=registry)
    except ImportError:  # Debian 12: jsonschema 4.10
        resolver = jsonschema.RefResolver.from_schema(schema, store=dict(schemas))
        return cls(schema, resolver=resolver)


def subcommands(gumshoe):
    """{name: set of options} from the generated bash completion."""
    out = subprocess.run([gumshoe, "completion", "bash"], capture_output=True, text=True, check=True).stdout
    names = re.search(r'local commands="([^"]*)"', out).group(1).split()
    opts = dict(re.findall(r'^\s+([a-z][a-z0-9-]*)\) opts="([^"]*)" ;;$', out, re.M))
    missing = [n for n in names if n not in opts]
    if missing:
        fail("completion script lists no options for " + ", ".join(missing))
    return {n: set(opts.get(n, "").split()) for n in names}


def run(gumshoe, db, args, codes=(0,)):
    p = subprocess.run([gumshoe] + args + ["--db", db], capture_output=True, text=True)
    if p.returncode not in codes:
        fail("gumshoe %s exited %d: %s" % (" ".join(args), p.returncode, p.stderr.strip()))
        return None
    return p.stdout


def check_strict(validator, doc, label):
    """The schema must reject the document with a required field gone or mistyped."""
    mutations = [("schema removed", lambda d: d.pop("schema")),
                 ("window a string", lambda d: d.__setitem__("window", "all")),
                 ("window.from a number", lambda d: d["window"].__setitem__("from", 0)),
                 ("store removed", lambda d: d.pop("store"))]
    if isinstance(doc.get("entity"), dict):
        mutations += [("entity.kind a number", lambda d: d["entity"].__setitem__("kind", 1)),
                      ("entity.first_seen not ISO 8601", lambda d: d["entity"].__setitem__("first_seen", "1731000000")),
                      ("entity.label removed", lambda d: d["entity"].pop("label"))]
    for what, mutate in mutations:
        bad = copy.deepcopy(doc)
        mutate(bad)
        if validator.is_valid(bad):
            fail("%s: the schema accepts the document with %s" % (label, what))
    for what, path, member, value in MUTATIONS.get(doc.get("schema"), []):
        bad = copy.deepcopy(doc)
        target = first_at(bad, path)
        if not isinstance(target, dict) or member not in target:
            continue
        if value is DROP:
            del target[member]
        else:
            target[member] = value
        mutated.add((doc.get("schema"), what))
        if validator.is_valid(bad):
            fail("%s: the schema accepts the document with %s" % (label, what))


def first_at(doc, path):
    """The object at a /-separated path, the first item of each [] array; None when absent."""
    v = doc
    for part in filter(None, path.split("/")):
        each = part.endswith("[]")
        key = part[:-2] if each else part
        if not isinstance(v, dict) or key not in v:
            return None
        v = v[key]
        if each:
            if not isinstance(v, list) or not v:
                return None
            v = v[0]
    return v


def validate(validator, doc, label):
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    for e in errors[:5]:
        fail("%s: %s at /%s" % (label, e.message[:300], "/".join(str(p) for p in e.absolute_path)))
    return not errors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gumshoe", required=True)
    ap.add_argument("--source", required=True)
    a = ap.parse_args()
    schemas = load_schemas(a.source)
    commands = subcommands(a.gumshoe)
    json_commands = sorted(n for n, o in commands.items() if "--json" in o)
    jsonl_commands = sorted(n for n, o in commands.items() if "--jsonl" in o)
    print("subcommands with --json: " + " ".join(json_commands))
    print("subcommands with --jsonl: " + " ".join(jsonl_commands))
    for n in json_commands:
        if n not in INVOCATIONS:
            fail("`gumshoe %s` has --json but json_schema_test.py does not run it" % n)
        elif not os.path.exists(schema_file(a.source, "gumshoe.%s/1" % n)):
            fail("`gumshoe %s` has --json but no schema %s" % (n, schema_file(a.source, "gumshoe.%s/1" % n)))
    for n in INVOCATIONS:
        if n not in json_commands:
            fail("json_schema_test.py runs `%s --json`, which the CLI does not have" % n)
    for n in jsonl_commands:
        if n not in JSONL:
            fail("`gumshoe %s` has --jsonl but json_schema_test.py does not run it" % n)
    for n in ("entities", "findings", "timeline"):
        if n not in jsonl_commands:
            fail("`gumshoe %s` has no --jsonl" % n)

    validators = {}

    def validator_for(name):
        if name not in validators:
            path = schema_file(a.source, name)
            if not os.path.exists(path):
                fail("no schema file %s for %s" % (path, name))
                return None
            with open(path) as fh:
                s = json.load(fh)
            validators[name] = (s, make_validator(s, schemas))
        return validators[name][1]

    documents = 0
    filled = {}  # schema -> paths seen non-empty

    def values_at(doc, path):
        vals = [doc]
        for part in path.split("/"):
            each = part.endswith("[]")
            key = part[:-2] if each else part
            nxt = []
            for v in vals:
                if isinstance(v, dict) and key in v:
                    x = v[key]
                    nxt.extend(x if each and isinstance(x, list) else [x])
            vals = nxt
        return vals

    def check_document(name, args, text):
        nonlocal documents
        label = "gumshoe " + " ".join(args) + " --json"
        try:
            doc = json.loads(text)
        except ValueError as e:
            fail("%s: not one JSON document: %s" % (label, e))
            return
        if doc.get("schema") != name:
            fail("%s: \"schema\" is %r, expected %r" % (label, doc.get("schema"), name))
        v = validator_for(name)
        if v is None:
            return
        if validate(v, doc, label):
            documents += 1
            check_strict(v, doc, label)
            for path in MUST_FILL.get(name, []):
                if any(isinstance(x, list) and x for x in values_at(doc, path)):
                    filled.setdefault(name, set()).add(path)

    # The examples of docs/json.md must be valid documents of their schema.
    with open(os.path.join(a.source, "docs", "json.md")) as fh:
        md = fh.read()
    examples = 0
    for block in re.findall(r"```json\n(.*?)\n```", md, re.S):
        try:
            doc = json.loads(block)
        except ValueError as e:
            fail("docs/json.md: an example is not JSON: %s" % e)
            continue
        if isinstance(doc, dict) and "schema" in doc:
            v = validator_for(doc["schema"])
            if v is not None and validate(v, doc, "docs/json.md example of " + doc["schema"]):
                examples += 1
    documented = set(re.findall(r'"schema": "(gumshoe\.[a-z-]+/[0-9]+)"', md))
    expected = {"gumshoe.ingest/1"} | {name for n in INVOCATIONS.values() for name, _ in n}
    for name in sorted(expected - documented):
        fail("docs/json.md has no example of %s" % name)

    with tempfile.TemporaryDirectory(prefix="gumshoe-json-") as tmp:
        db = os.path.join(tmp, "store.db")
        iam_data = os.path.join(a.source, "tests", "data", "iam", "data")
        ingests = [
            ([os.path.join(a.source, "examples", "incident")], (0,)),
            ([os.path.join(a.source, "tests", "data", "iam", "authz-2026-11-01.json"), "--as-of", "2026-11-01T00:00:00Z"], (0,)),
            ([os.path.join(a.source, "tests", "data", "iam", "cloudtrail.json")], (0,)),
            ([os.path.join(a.source, "tests", "data", "incidents", "stolen_key")], (0,)),
            # Account 210987654321 (tests/cli/could_data_cli_test.cc): what the analyst key
            # could read and write, its resource policies and an SCP.
            ([os.path.join(iam_data, "authz-2026-11-01.json"), "--as-of", "2026-11-01T00:00:00Z"], (0,)),
            ([os.path.join(iam_data, "cloudtrail.json")], (0,)),
            *[([os.path.join(iam_data, f), "--as-of", "2026-10-01T00:00:00Z"], (0,))
              for f in ("bucket-policy-acme-reports.json", "key-policy.json", "secret-policy.json",
                        "scp-deny-keys.json")],
            # RDS logins for detect; the fixture holds records it rejects on purpose (exit 3).
            ([os.path.join(a.source, "tests", "data", "db_login")], (0, 3)),
        ]
        for paths, codes in ingests:
            args = ["ingest", "--json"] + paths
            out = run(a.gumshoe, db, args, codes)
            if out is not None:
                check_document("gumshoe.ingest/1", args[:1] + args[2:], out)
        for n in sorted(INVOCATIONS):
            for name, args in INVOCATIONS[n]:
                out = run(a.gumshoe, db, args + ["--json"])
                if out is not None:
                    check_document(name, args, out)
        lines = 0
        for n in sorted(JSONL):
            for name, item, args in JSONL[n]:
                label = "gumshoe " + " ".join(args) + " --jsonl"
                out = run(a.gumshoe, db, args + ["--jsonl"])
                if out is None:
                    continue
                validator_for(name)
                if name not in validators:
                    continue
                s = validators[name][0]
                if item not in s.get("$defs", {}):
                    fail("%s: schema %s has no $defs/%s" % (label, name, item))
                    continue
                v = make_validator({"$schema": s["$schema"], "$id": s["$id"], "$defs": s["$defs"],
                                    "$ref": "#/$defs/" + item}, schemas)
                got = out.splitlines()
                if not got:
                    fail("%s: no lines" % label)
                for i, line in enumerate(got):
                    try:
                        obj = json.loads(line)
                    except ValueError as e:
                        fail("%s line %d: not a JSON object: %s" % (label, i + 1, e))
                        continue
                    if validate(v, obj, "%s line %d" % (label, i + 1)):
                        lines += 1
                # --json and --jsonl together are a usage error.
                run(a.gumshoe, db, args + ["--jsonl", "--json"], codes=(2,))
    for name, paths in sorted(MUST_FILL.items()):
        for path in paths:
            if path not in filled.get(name, set()):
                fail("%s: no document had a non-empty %s, so its schema went untested" % (name, path))
    for name, muts in sorted(MUTATIONS.items()):
        for what, _, _, _ in muts:
            if (name, what) not in mutated:
                fail("%s: no document had the member to test the mutation %r on" % (name, what))
    print("%d documents, %d JSON Lines and %d docs/json.md examples validated" % (documents, lines, examples))
    if failures:
        print("%d failure(s)" % len(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
