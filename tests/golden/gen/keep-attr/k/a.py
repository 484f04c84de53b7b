import m.b
