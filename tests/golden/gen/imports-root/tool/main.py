from acme.text import shout

print(shout("hi"))
