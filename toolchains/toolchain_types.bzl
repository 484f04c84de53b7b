"""Labels of the toolchain types rules_par resolves. Nothing else lives here."""

PYTHON_TOOLCHAIN_TYPE = "@rules_par//toolchains/python:toolchain_type"
NODE_TOOLCHAIN_TYPE = "@rules_par//toolchains/node:toolchain_type"
