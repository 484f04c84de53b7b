"""par_node_configure: finds the Node.js runtime and declares it as a toolchain."""

load("//toolchains:find_tool.bzl", "find_tool")

def _impl(rctx):
    found, how = find_tool(rctx, "Node.js runtime", rctx.attr.node, "PAR_NODE_BIN", ["node", "nodejs"])
    res = rctx.execute([found, "-p", "process.execPath + '\\n' + process.versions.node"])
    if res.return_code != 0:
        fail("rules_par: the Node.js runtime %s (found via %s) does not run: %s" % (found, how, res.stderr.strip()))
    lines = res.stdout.strip().split("\n")
    real, version = lines[0].strip(), lines[-1].strip()
    rctx.symlink(real, "node")
    rctx.file("BUILD.bazel", """\
load("@rules_par//toolchains/node:toolchain.bzl", "par_node_toolchain")

package(default_visibility = ["//visibility:public"])

# Found via {how}. Re-detected when PAR_NODE_BIN or PATH change.
par_node_toolchain(
    name = "runtime",
    node = "node",
    version = "{version}",
)

toolchain(
    name = "toolchain",
    toolchain = ":runtime",
    toolchain_type = "@rules_par//toolchains/node:toolchain_type",
)
""".format(how = how, version = version))

par_node_configure = repository_rule(
    implementation = _impl,
    doc = "Finds Node.js (20.15+ or 22.2+) for the packager: `node`, else $PAR_NODE_BIN, else node on PATH.",
    attrs = {"node": attr.string(doc = "Absolute path of the node binary to use.")},
    environ = ["PAR_NODE_BIN", "PATH"],
    local = True,
)
