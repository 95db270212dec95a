"""Repository rules that expose Debian's -dev packages as Bazel targets.

Each repository links only the pieces it names out of the system (header trees,
static archives, tools) into the external repository, file by file, so that
its BUILD files can mirror the upstream projects' labels
(`@com_google_absl//absl/status:statusor`, `@com_google_googletest//:gtest`).
Static archives of a library are merged into one archive (`ar` MRI script), so
the linker resolves their cross references in one pass and binaries carry no
shared-library dependency on the Debian packages (they run on the GPU machine
as they are).
"""

def _fail_missing(rctx, what, path):
    fail(("%s: %s not found at %s. Run tools/setup.sh (it installs %s) " +
          "or see docs/building.md.") % (rctx.name, what, path, rctx.attr.package))

def _link_tree(rctx, src, dst):
    """Symlinks every file under `src` into `dst`, creating real directories."""
    result = rctx.execute(["find", "-L", src, "-type", "f"])
    if result.return_code != 0:
        fail("%s: cannot list %s: %s" % (rctx.name, src, result.stderr))
    for f in result.stdout.splitlines():
        rctx.symlink(f, dst + f[len(src):])

def _expand_prefixes(rctx, paths):
    """Expands entries ending in `*` to the files that start with the prefix."""
    out = []
    for p in paths:
        if not p.endswith("*"):
            out.append(p)
            continue
        prefix = p[:-1]
        d = rctx.path(prefix).dirname
        base = prefix[len(str(d)) + 1:]
        matches = sorted([str(c) for c in d.readdir() if c.basename.startswith(base) and
                                                         c.basename.endswith(".a")])
        if not matches:
            _fail_missing(rctx, "static libraries", p)
        out += matches
    return out

def _system_library_impl(rctx):
    for dst, src in rctx.attr.header_trees.items():
        if not rctx.path(src).exists:
            _fail_missing(rctx, "headers", src)
        _link_tree(rctx, src, dst)
    for dst, src in rctx.attr.files.items():
        if not rctx.path(src).exists:
            _fail_missing(rctx, "file", src)
        rctx.symlink(src, dst)
    for dst, srcs in rctx.attr.merged_archives.items():
        script = ["create " + dst]
        for src in _expand_prefixes(rctx, srcs):
            if not rctx.path(src).exists:
                _fail_missing(rctx, "static library", src)
            script.append("addlib " + src)
        script += ["save", "end", ""]
        rctx.file(dst + ".mri", "\n".join(script))
        result = rctx.execute(["sh", "-c", "ar -M < '%s.mri'" % dst])
        if result.return_code != 0:
            fail("%s: merging static libraries into %s failed: %s" %
                 (rctx.name, dst, result.stderr))
    for pkg, content in rctx.attr.build_files.items():
        rctx.file(pkg + "/BUILD.bazel" if pkg else "BUILD.bazel", content)
    rctx.file("WORKSPACE", "workspace(name = \"%s\")\n" % rctx.name)

system_library = repository_rule(
    implementation = _system_library_impl,
    attrs = {
        "package": attr.string(doc = "Debian package(s) that provide it, for errors."),
        "header_trees": attr.string_dict(doc = "repo dir -> host dir, linked file by file"),
        "files": attr.string_dict(doc = "repo path -> host file"),
        "merged_archives": attr.string_list_dict(doc = "repo .a -> host .a files to merge"),
        "build_files": attr.string_dict(doc = "package path -> BUILD content"),
    },
    local = True,
    doc = "Exposes an installed system library; see the file comment.",
)

# The Abseil libraries this project (and a consumer) may name, by upstream
# label. Every target links the one merged archive, so the mapping only has to
# say which labels exist.
ABSL_TARGETS = {
    "absl/algorithm": ["algorithm", "container"],
    "absl/base": ["base", "core_headers", "config", "log_severity", "endian"],
    "absl/cleanup": ["cleanup"],
    "absl/container": [
        "btree",
        "fixed_array",
        "flat_hash_map",
        "flat_hash_set",
        "inlined_vector",
        "node_hash_map",
        "node_hash_set",
    ],
    "absl/debugging": ["failure_signal_handler", "stacktrace", "symbolize"],
    "absl/flags": ["flag", "parse", "usage"],
    "absl/functional": ["any_invocable", "bind_front", "function_ref"],
    "absl/hash": ["hash"],
    "absl/memory": ["memory"],
    "absl/meta": ["type_traits"],
    "absl/numeric": ["bits", "int128"],
    "absl/random": ["bit_gen_ref", "distributions", "random"],
    "absl/status": ["status", "statusor"],
    "absl/strings": ["cord", "str_format", "strings"],
    "absl/synchronization": ["synchronization"],
    "absl/time": ["time"],
    "absl/types": ["optional", "span", "variant"],
    "absl/utility": ["utility"],
}

def absl_build_files(archive):
    """Returns the BUILD files of the Abseil repository."""
    files = {}
    hdr_deps = []
    for pkg, names in ABSL_TARGETS.items():
        hdr_deps.append("//%s:hdrs" % pkg)
        lines = [
            "package(default_visibility = [\"//visibility:public\"])",
            "cc_library(name = \"hdrs\", hdrs = glob([\"**/*.h\", \"**/*.inc\"]))",
        ]
        for n in names:
            lines.append("cc_library(name = \"%s\", deps = [\"//:absl\"])" % n)
        files[pkg] = "\n".join(lines) + "\n"

    # Header-only packages that have no target of their own above.
    files["absl/profiling"] = ("package(default_visibility = [\"//visibility:public\"])\n" +
                               "cc_library(name = \"hdrs\", hdrs = glob([\"**/*.h\", \"**/*.inc\"]))\n")
    hdr_deps.append("//absl/profiling:hdrs")
    files[""] = """package(default_visibility = ["//visibility:public"])
cc_library(
    name = "absl",
    srcs = ["%s"],
    includes = ["."],
    linkopts = ["-lpthread"],
    deps = %s,
)
""" % (archive, repr(hdr_deps))
    return files
