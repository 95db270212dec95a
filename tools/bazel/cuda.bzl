"""`cuda_library`: compiles .cu files with nvcc and wraps them in a cc_library.

    load("//tools/bazel:cuda.bzl", "cuda_library")

    cuda_library(
        name = "kernels",
        srcs = ["kernels.cu"],
        hdrs = ["kernels.h"],
        deps = ["//aot/base:status_macros"],
    )

Device code is built for sm_90a (H100/H200) plus compute_90a PTX, so the same
binary also runs where the driver JIT-compiles PTX. The CUDA runtime is linked
statically (`@local_cuda//:cudart_static`). Nothing here needs a GPU: the
objects build on any machine with the pinned toolkit.
"""

load("@bazel_tools//tools/cpp:toolchain_utils.bzl", "find_cpp_toolchain")

CUDA_ARCH_FLAGS = [
    "-gencode=arch=compute_90a,code=sm_90a",
    "-gencode=arch=compute_90a,code=compute_90a",
]

def _cuda_objects_impl(ctx):
    cc_toolchain = find_cpp_toolchain(ctx)
    nvcc = ctx.file._nvcc
    comp = [d[CcInfo].compilation_context for d in ctx.attr.deps]
    headers = depset(ctx.files.hdrs, transitive = [c.headers for c in comp])
    includes = depset(transitive = [c.includes for c in comp])
    quote_includes = depset([".", ctx.genfiles_dir.path, ctx.bin_dir.path], transitive = [c.quote_includes for c in comp])
    system_includes = depset(transitive = [c.system_includes for c in comp])
    defines = depset(transitive = [c.defines for c in comp])
    opt = ctx.var["COMPILATION_MODE"] == "opt"
    outs = []
    for src in ctx.files.srcs:
        out = ctx.actions.declare_file("_cuda_objs/%s/%s.o" % (ctx.label.name, src.basename[:-len(".cu")]))
        args = ctx.actions.args()
        args.add("-ccbin", cc_toolchain.compiler_executable)
        args.add("-std=c++20")
        args.add_all(CUDA_ARCH_FLAGS)
        args.add("-O3" if opt else "-O1")
        if not opt:
            args.add("-lineinfo")
        args.add_all(["-Xcompiler", "-fPIC"])
        args.add("--expt-relaxed-constexpr")
        # nvcc 13 flags assignments of [[nodiscard]] types (absl::Status).
        args.add("-diag-suppress=2810")
        args.add_all(["-Xcompiler", "-Wall,-Werror"])
        args.add_all(includes, before_each = "-I")
        args.add_all(quote_includes, before_each = "-I")
        args.add_all(system_includes, before_each = "-isystem")
        args.add_all(defines, before_each = "-D")
        args.add_all(ctx.attr.copts)
        args.add("-c", src)
        args.add("-o", out)
        ctx.actions.run(
            executable = nvcc,
            arguments = [args],
            inputs = depset([src], transitive = [headers]),
            outputs = [out],
            mnemonic = "NvccCompile",
            progress_message = "nvcc %s" % src.short_path,
            # nvcc runs the toolkit's own tools and headers from its install
            # directory, which is not declared file by file.
            execution_requirements = {"no-sandbox": "1"},
            env = {"PATH": "/usr/bin:/bin"},
        )
        outs.append(out)
    return [DefaultInfo(files = depset(outs))]

_cuda_objects = rule(
    implementation = _cuda_objects_impl,
    attrs = {
        "srcs": attr.label_list(allow_files = [".cu"]),
        "hdrs": attr.label_list(allow_files = True),
        "deps": attr.label_list(providers = [CcInfo]),
        "copts": attr.string_list(),
        "_nvcc": attr.label(default = "@local_cuda//:nvcc", allow_single_file = True),
        "_cc_toolchain": attr.label(default = "@bazel_tools//tools/cpp:current_cc_toolchain"),
    },
    toolchains = ["@bazel_tools//tools/cpp:toolchain_type"],
    fragments = ["cpp"],
)

def cuda_library(name, srcs = [], hdrs = [], deps = [], copts = [], visibility = None, **kwargs):
    """Compiles `srcs` (.cu) with nvcc; `hdrs` and `deps` as for cc_library."""
    _cuda_objects(
        name = name + "_cuda_objs",
        srcs = srcs,
        hdrs = hdrs,
        deps = deps + ["@local_cuda//:cuda_headers"],
        copts = copts,
        visibility = ["//visibility:private"],
        tags = kwargs.get("tags", []),
    )
    native.cc_library(
        name = name,
        srcs = [":" + name + "_cuda_objs"],
        hdrs = hdrs,
        deps = deps + ["@local_cuda//:cudart_static"],
        visibility = visibility,
        **kwargs
    )
