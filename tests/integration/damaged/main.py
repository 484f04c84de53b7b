import sys

print("hello")
if sys.argv[1:] == ["greet"]:
    from tests.integration.damaged import greet

    print(greet.text())
