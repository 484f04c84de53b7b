from pkg.d import q
