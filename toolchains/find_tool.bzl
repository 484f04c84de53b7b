"""Shared lookup for the autodetecting repository rules: attribute, then environment, then PATH."""

def find_tool(rctx, what, explicit, env_var, names):
    """Returns (path, how_found) of the first usable candidate, or fails naming every place looked.

    Args:
      rctx: repository_ctx.
      what: human name for messages, e.g. "Python interpreter".
      explicit: value of the rule's explicit attribute ("" when unset).
      env_var: environment variable that overrides PATH lookup.
      names: executable names to look up on PATH, in order.
    """
    tried = []
    if explicit:
        p = rctx.path(explicit)
        if p.exists:
            return p, "attribute"
        tried.append("attribute interpreter/node = %s (does not exist)" % explicit)
    env = rctx.os.environ.get(env_var, "")
    if env:
        p = rctx.path(env) if env.startswith("/") else rctx.which(env)
        if p and p.exists:
            return p, env_var
        tried.append("$%s = %s (not found)" % (env_var, env))
    for name in names:
        p = rctx.which(name)
        if p:
            return p, "PATH"
        tried.append("%s on PATH" % name)
    fail("rules_par: no %s found for %s. Looked at: %s. Install one, or set %s to its absolute path." % (
        what,
        rctx.name,
        "; ".join(tried),
        env_var,
    ))

def label_text(label):
    """A Label as text that means the same label inside a generated repository's BUILD file.

    Bazel 4 prints labels of the main repository as `//pkg:name`, which a generated BUILD
    would read as its own repository; newer Bazels print `@@//pkg:name` or `@@canonical//...`.
    """
    text = str(label)
    return "@" + text if text.startswith("//") else text
