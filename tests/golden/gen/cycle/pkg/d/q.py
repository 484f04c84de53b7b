from pkg.c import p
