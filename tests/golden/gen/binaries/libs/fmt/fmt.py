def bold(s):
    return "*" + s + "*"
