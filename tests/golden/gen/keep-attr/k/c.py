from m import b
