#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Validate the CDI specs privnode generates against the CDI JSON schema.

Usage: cdi_schema_test.py PRIVNODE SCHEMA_JSON

The schema is the one Debian ships with the Go CDI package
(golang-github-container-orchestrated-devices-container-device-interface-dev);
its defs.json sits beside it.  The schema leaves names free-form, so the
name rules of the CDI spec are checked here too.  Prints TAP.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

import warnings

import jsonschema

# RefResolver is deprecated in newer jsonschema, and the only API in Debian 12.
warnings.filterwarnings("ignore", category=DeprecationWarning)

privnode, schema_path = sys.argv[1], sys.argv[2]
results = []


def check(name, ok, diag=""):
    results.append((name, ok, diag))


def validator():
    with open(schema_path) as f:
        schema = json.load(f)
    base = "file://" + os.path.dirname(os.path.abspath(schema_path)) + "/"
    resolver = jsonschema.RefResolver(base_uri=base, referrer=schema)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, resolver=resolver)


# CDI spec, "kind" and device names: vendor.tld/class, names alphanumeric
# at both ends with [-_.:] inside.
KIND = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?\.[A-Za-z0-9]+"
                  r"/[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?$")
NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9_.:-]*[A-Za-z0-9])?$")


def errors(v, spec):
    errs = [e.message for e in v.iter_errors(spec)]
    if not KIND.match(spec.get("kind", "")):
        errs.append("bad kind %r" % spec.get("kind"))
    for d in spec.get("devices", []):
        if not NAME.match(str(d.get("name", ""))):
            errs.append("bad device name %r" % d.get("name"))
        for h in d.get("containerEdits", {}).get("hooks", []):
            if not h.get("path", "").startswith("/"):
                errs.append("hook path not absolute")
    return errs


def generate(*args):
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as d:
        # A fake sysfs with private nodes 2 and 3.
        os.makedirs(d + "/devices/system/node")
        with open(d + "/devices/system/node/has_memory_private", "w") as f:
            f.write("2-3\n")
        env["PRIVNODE_SYSFS"] = d
        out = subprocess.run([privnode, "cdi-spec", *args], env=env,
                             capture_output=True, text=True)
    return out.returncode, out.stdout, out.stderr


try:
    v = validator()
    check("the Debian CDI schema loads", True)
except Exception as e:  # noqa: BLE001 - report anything as a failure
    print("1..1\nnot ok 1 - the Debian CDI schema loads # %s" % e)
    sys.exit(1)

# The validator itself must reject broken specs, or passing proves nothing.
bad_specs = {
    "no devices": {"cdiVersion": "0.5.0", "kind": "privnode.io/node"},
    "hook without path": {"cdiVersion": "0.5.0", "kind": "privnode.io/node",
                          "devices": [{"name": "node2", "containerEdits": {
                              "hooks": [{"hookName": "createRuntime"}]}}]},
    "args not strings": {"cdiVersion": "0.5.0", "kind": "privnode.io/node",
                         "devices": [{"name": "node2", "containerEdits": {
                             "hooks": [{"hookName": "createRuntime",
                                        "path": "/x", "args": [2]}]}}]},
    "bad device name": {"cdiVersion": "0.5.0", "kind": "privnode.io/node",
                        "devices": [{"name": "-node2", "containerEdits": {}}]},
}
for what, spec in bad_specs.items():
    check("validator rejects a spec with %s" % what, bool(errors(v, spec)))

for args, label in ((("--cdi-version", "0.5.0"), "0.5.0, nodes from sysfs"),
                    (("--cdi-version", "0.6.0"), "0.6.0"),
                    (("--nodes", "0-1,7", "--kind", "example.com/mem",
                      "--hook", "/usr/libexec/privnode/privnode-oci-hook"),
                     "own nodes, kind and hook")):
    rc, out, err = generate(*args)
    if rc != 0:
        check("generated spec (%s)" % label, False, "exit %d: %s" % (rc, err))
        continue
    spec = json.loads(out)
    errs = errors(v, spec)
    check("generated spec validates (%s)" % label, not errs, "; ".join(errs))

rc, out, _ = generate()
spec = json.loads(out) if rc == 0 else {}
names = [d["name"] for d in spec.get("devices", [])]
check("one device per private node", names == ["node2", "node3"], repr(names))
hooks = [h for d in spec.get("devices", []) for h in d["containerEdits"]["hooks"]]
check("each device runs the hook at createRuntime with its node",
      [(h["hookName"], h["args"][1:]) for h in hooks] ==
      [("createRuntime", ["--node", "2"]), ("createRuntime", ["--node", "3"])],
      repr(hooks))

# The example spec in the tree validates too.
example = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "../../examples/cdi/privnode.json")
if os.path.exists(example):
    with open(example) as f:
        errs = errors(v, json.load(f))
    check("examples/cdi/privnode.json validates", not errs, "; ".join(errs))

print("1..%d" % len(results))
for i, (name, ok, diag) in enumerate(results, 1):
    print("%s %d - %s%s" % ("ok" if ok else "not ok", i, name,
                            "" if ok or not diag else " # " + diag))
sys.exit(0 if all(ok for _, ok, _ in results) else 1)
