"""`layering_test`: fails when a package depends on a layer above it.

    layering_test(
        name = "layering_test",
        allowed = ["//aot/base", "//aot/ir"],       # packages (and subpackages)
        forbidden_external = ["@local_cuda", "@com_google_protobuf"],
    )

Call it last in a BUILD file: with `targets` unset it checks every rule the
package declared before it. A `genquery` computes the transitive dependencies
at build time (no Bazel inside a test), and the test compares each label of
this repository with `allowed` and each external one with
`forbidden_external`. The layers are in ARCHITECTURE.md.
"""

def layering_test(name, allowed, forbidden_external = [], targets = None, exclude = []):
    pkg = "//" + native.package_name()
    if targets == None:
        targets = sorted([
            pkg + ":" + r["name"]
            for r in native.existing_rules().values()
            if r["name"] not in exclude and not r["name"].startswith(name)
        ])
    native.genquery(
        name = name + "_deps",
        expression = "kind(rule, deps(set(%s)))" % " ".join([
            pkg + t if t.startswith(":") else t
            for t in targets
        ]),
        scope = targets,
        opts = ["--noimplicit_deps", "--nohost_deps"],
        testonly = True,
    )
    native.sh_test(
        name = name,
        srcs = ["//tools/bazel:layering_check.sh"],
        args = [
            "$(location :%s_deps)" % name,
            native.package_name(),
            ",".join(allowed),
            ",".join(forbidden_external),
        ],
        data = [":%s_deps" % name],
        size = "small",
    )
