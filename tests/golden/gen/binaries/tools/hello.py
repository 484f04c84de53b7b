import sys

from libs.greet import greet

print(greet.hello(sys.argv[1]))
