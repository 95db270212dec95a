"""Every third-party repository `aot` uses, declared by one macro.

A project that depends on `aot` calls it from its WORKSPACE:

    local_repository(name = "aot", path = "...")   # or http_archive
    load("@aot//:repositories.bzl", "aot_deps")
    aot_deps()

A repository the caller already declared (its own rules_cc, say) is kept.
The libraries come from Debian's -dev packages (tools/setup.sh installs them),
the CUDA toolkit from $CUDA_PATH (default /usr/local/cuda), pinned to 13.0.
"""

load("//tools/bazel:system_libs.bzl", "absl_build_files", "system_library")
load("//tools/bazel:cuda_configure.bzl", "cuda_configure")

_LIB = "/usr/lib/x86_64-linux-gnu"

def _stub_repository_impl(rctx):
    # The stand-ins live in this repository's third_party/; link them in from
    # wherever this repository is checked out.
    src = rctx.path(rctx.attr.anchor).dirname.get_child(rctx.attr.dir)
    for child in src.readdir():
        rctx.symlink(child, child.basename)

_stub_repository = repository_rule(
    implementation = _stub_repository_impl,
    attrs = {
        "anchor": attr.label(allow_single_file = True),
        "dir": attr.string(),
    },
)

def _maybe(rule, name, **kwargs):
    if name not in native.existing_rules():
        rule(name = name, **kwargs)

_GTEST_BUILD = """
package(default_visibility = ["//visibility:public"])
cc_library(
    name = "gtest",
    srcs = ["lib/libgmock.a", "lib/libgtest.a"],
    hdrs = glob(["include/gtest/**", "include/gmock/**"]),
    includes = ["include"],
    linkopts = ["-lpthread"],
)
cc_library(
    name = "gtest_main",
    srcs = ["lib/libgtest_main.a"],
    deps = [":gtest"],
)
alias(name = "gmock", actual = ":gtest")
alias(name = "gmock_main", actual = ":gtest_main")
"""

_BENCHMARK_BUILD = """
package(default_visibility = ["//visibility:public"])
cc_library(
    name = "benchmark",
    hdrs = glob(["include/benchmark/**"]),
    includes = ["include"],
    linkopts = ["-lbenchmark", "-lpthread"],
)
cc_library(
    name = "benchmark_main",
    srcs = ["lib/libbenchmark_main.a"],
    deps = [":benchmark"],
)
"""

_PROTOBUF_BUILD = """
package(default_visibility = ["//visibility:public"])
cc_library(
    name = "protobuf",
    srcs = ["lib/libprotobuf.a"],
    hdrs = glob(["include/google/protobuf/**"]),
    includes = ["include"],
    linkopts = ["-lpthread", "-lz"],
)
alias(name = "protobuf_headers", actual = ":protobuf")
sh_binary(
    name = "protoc",
    srcs = ["bin/protoc"],
)
proto_lang_toolchain(
    name = "cc_toolchain",
    command_line = "--cpp_out=$(OUT)",
    runtime = ":protobuf",
)
"""

_OPENBLAS_BUILD = """
package(default_visibility = ["//visibility:public"])
cc_library(
    name = "openblas",
    hdrs = glob(["include/*.h"]),
    includes = ["include"],
    linkopts = ["-lopenblas", "-lpthread"],
)
"""

# Debian's OpenMP build of OpenBLAS. It shares the OpenMP thread pool of the
# kernels instead of starting threads that compete with it for the cores
# (docs/design/cpu_backend.md measured 5x on an MLP step). Debian installs it
# beside the default pthread build under the same soname: -L picks it at link
# time and the runpath at load time.
_OPENBLAS_OPENMP_DIR = _LIB + "/openblas-openmp"

_OPENBLAS_OPENMP_BUILD = """
package(default_visibility = ["//visibility:public"])
cc_library(
    name = "openblas_openmp",
    hdrs = glob(["include/*.h"]),
    includes = ["include"],
    linkopts = [
        "-L%s",
        "-Wl,-rpath,%s",
        "-lopenblas",
        "-fopenmp",
    ],
)
""" % (_OPENBLAS_OPENMP_DIR, _OPENBLAS_OPENMP_DIR)

_EIGEN_BUILD = """
package(default_visibility = ["//visibility:public"])
cc_library(
    name = "eigen",
    hdrs = glob(["include/Eigen/**"]),
    includes = ["include"],
)
"""

_ONEDNN_BUILD = """
package(default_visibility = ["//visibility:public"])
cc_library(
    name = "onednn",
    hdrs = glob(["include/oneapi/dnnl/*.h", "include/oneapi/dnnl/*.hpp"]),
    includes = ["include"],
    linkopts = ["-ldnnl"],
)
"""

_SLEEF_BUILD = """
package(default_visibility = ["//visibility:public"])
cc_library(
    name = "sleef",
    hdrs = ["include/sleef.h"],
    includes = ["include"],
    linkopts = ["-lsleef"],
)
"""

def aot_deps():
    """Declares every third-party repository of `aot`."""
    _maybe(_stub_repository, "rules_cc", anchor = Label("//third_party:BUILD"), dir = "rules_cc")
    _maybe(_stub_repository, "rules_java", anchor = Label("//third_party:BUILD"), dir = "rules_java")
    _maybe(
        _stub_repository,
        "remote_coverage_tools",
        anchor = Label("//third_party:BUILD"),
        dir = "remote_coverage_tools",
    )
    _maybe(
        system_library,
        "com_google_absl",
        package = "libabsl-dev",
        header_trees = {"absl": "/usr/include/absl"},
        merged_archives = {"lib/libabsl_all.a": [_LIB + "/libabsl_*"]},
        build_files = absl_build_files("lib/libabsl_all.a"),
    )
    _maybe(
        system_library,
        "com_google_googletest",
        package = "libgtest-dev libgmock-dev",
        header_trees = {
            "include/gtest": "/usr/include/gtest",
            "include/gmock": "/usr/include/gmock",
        },
        files = {
            "lib/libgtest.a": _LIB + "/libgtest.a",
            "lib/libgtest_main.a": _LIB + "/libgtest_main.a",
            "lib/libgmock.a": _LIB + "/libgmock.a",
        },
        build_files = {"": _GTEST_BUILD},
    )
    _maybe(
        system_library,
        "com_github_google_benchmark",
        package = "libbenchmark-dev",
        header_trees = {"include/benchmark": "/usr/include/benchmark"},
        files = {"lib/libbenchmark_main.a": _LIB + "/libbenchmark_main.a"},
        build_files = {"": _BENCHMARK_BUILD},
    )
    _maybe(
        system_library,
        "com_google_protobuf",
        package = "libprotobuf-dev protobuf-compiler",
        header_trees = {"include/google/protobuf": "/usr/include/google/protobuf"},
        files = {
            "lib/libprotobuf.a": _LIB + "/libprotobuf.a",
            "bin/protoc": "/usr/bin/protoc",
        },
        build_files = {"": _PROTOBUF_BUILD},
    )
    _maybe(
        system_library,
        "openblas",
        package = "libopenblas-pthread-dev",
        files = {
            "include/cblas.h": "/usr/include/x86_64-linux-gnu/openblas-pthread/cblas.h",
            "include/openblas_config.h": "/usr/include/x86_64-linux-gnu/openblas-pthread/openblas_config.h",
        },
        build_files = {"": _OPENBLAS_BUILD},
    )
    _maybe(
        system_library,
        "openblas_openmp",
        package = "libopenblas-openmp-dev",
        files = {
            "include/cblas.h": "/usr/include/x86_64-linux-gnu/openblas-openmp/cblas.h",
            "include/openblas_config.h": "/usr/include/x86_64-linux-gnu/openblas-openmp/openblas_config.h",
            # Not linked from here; named so that a missing library fails
            # when the repository is fetched, not at link or load time.
            "lib/libopenblas.so.0": _OPENBLAS_OPENMP_DIR + "/libopenblas.so.0",
        },
        build_files = {"": _OPENBLAS_OPENMP_BUILD},
    )
    _maybe(
        system_library,
        "eigen",
        package = "libeigen3-dev",
        header_trees = {"include/Eigen": "/usr/include/eigen3/Eigen"},
        build_files = {"": _EIGEN_BUILD},
    )
    _maybe(
        system_library,
        "onednn",
        package = "libdnnl-dev",
        header_trees = {"include/oneapi/dnnl": "/usr/include/oneapi/dnnl"},
        # Not linked from here (-ldnnl finds it); named so that a missing
        # library fails when the repository is fetched, not at link time.
        files = {"lib/libdnnl.so": _LIB + "/libdnnl.so"},
        build_files = {"": _ONEDNN_BUILD},
    )
    _maybe(
        system_library,
        "sleef",
        package = "libsleef-dev",
        files = {"include/sleef.h": "/usr/include/x86_64-linux-gnu/sleef.h"},
        build_files = {"": _SLEEF_BUILD},
    )
    _maybe(cuda_configure, "local_cuda")
