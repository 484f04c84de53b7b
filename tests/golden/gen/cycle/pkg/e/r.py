import pkg.c.p
