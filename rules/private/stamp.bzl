"""Resolves the Bazel stamp tri-state (-1 follow --stamp, 0 never, 1 always)."""

StampSettingInfo = provider(doc = "Whether --stamp is on.", fields = {"value": "bool: --stamp was given."})

def _stamp_setting_impl(ctx):
    return [StampSettingInfo(value = ctx.attr.value)]

stamp_setting = rule(
    implementation = _stamp_setting_impl,
    attrs = {"value": attr.bool()},
)

def is_stamping(ctx):
    if ctx.attr.stamp == 1:
        return True
    if ctx.attr.stamp == 0:
        return False
    return ctx.attr._stamp_setting[StampSettingInfo].value
