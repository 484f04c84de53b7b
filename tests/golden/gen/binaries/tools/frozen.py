from libs.greet import greet

print(greet.hello("frozen"))
