"""Repository rule that locates the CUDA toolkit and checks its version.

The toolkit is found at $CUDA_PATH (default /usr/local/cuda). Its version, read
from `nvcc --version`, must equal the pinned one; anything else fails the
fetch with a message that says what was found and what is expected. Only that
directory is linked into @local_cuda: no other host path enters the build.
"""

CUDA_PINNED_VERSION = "13.0"

_BUILD = """
package(default_visibility = ["//visibility:public"])

# nvcc and what it runs (cudafe, ptxas, fatbinary, the crt headers it injects).
filegroup(
    name = "nvcc",
    srcs = ["cuda/bin/nvcc"],
)

cc_library(
    name = "cuda_headers",
    hdrs = glob(["cuda/include/**"]),
    includes = ["cuda/include"],
)

# The CUDA runtime, linked statically: binaries need only the driver.
cc_library(
    name = "cudart_static",
    srcs = ["cuda/lib64/libcudart_static.a"],
    linkopts = ["-ldl", "-lrt", "-lpthread"],
    deps = [":cuda_headers"],
)

# Libraries the GPU machine has in its system library path (or under the
# toolkit): linked dynamically, found at run time through the rpath below.
[cc_library(
    name = name,
    linkopts = [
        "-L" + "{cuda}/lib64",
        "-Wl,-rpath," + "{cuda}/lib64",
        "-l" + lib,
    ],
    deps = [":cuda_headers"],
) for name, lib in [
    ("cublas", "cublas"),
    ("cublasLt", "cublasLt"),
    ("nvrtc", "nvrtc"),
    ("cudnn", "cudnn"),
    ("nccl", "nccl"),
]]

exports_files(["version.txt"])
"""

def _cuda_configure_impl(rctx):
    cuda_path = rctx.os.environ.get("CUDA_PATH", "/usr/local/cuda")
    pinned = rctx.attr.version
    root = rctx.path(cuda_path)
    nvcc = rctx.path(cuda_path + "/bin/nvcc")
    if not root.exists or not nvcc.exists:
        fail(("CUDA toolkit %s not found: no nvcc at %s/bin/nvcc. Install the " +
              "CUDA %s toolkit there or point CUDA_PATH at it (docs/building.md).") %
             (pinned, cuda_path, pinned))
    result = rctx.execute([str(nvcc), "--version"])
    if result.return_code != 0:
        fail("CUDA toolkit at %s: `nvcc --version` failed: %s" % (cuda_path, result.stderr))
    found = None
    for line in result.stdout.splitlines():
        idx = line.find("release ")
        if idx >= 0:
            found = line[idx + len("release "):].split(",")[0].strip()
    if found == None:
        fail("CUDA toolkit at %s: cannot read the version from `nvcc --version`:\n%s" %
             (cuda_path, result.stdout))
    if found != pinned:
        fail(("CUDA toolkit at %s is version %s, but this repository is pinned to " +
              "CUDA %s (tools/bazel/cuda_configure.bzl). Set CUDA_PATH to a %s " +
              "toolkit.") % (cuda_path, found, pinned, pinned))
    rctx.symlink(root, "cuda")
    rctx.file("version.txt", found + "\n")
    rctx.file("BUILD.bazel", _BUILD.replace("{cuda}", cuda_path))
    rctx.file("WORKSPACE", "workspace(name = \"%s\")\n" % rctx.name)

cuda_configure = repository_rule(
    implementation = _cuda_configure_impl,
    attrs = {"version": attr.string(default = CUDA_PINNED_VERSION)},
    environ = ["CUDA_PATH"],
    local = True,
)
