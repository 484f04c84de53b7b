def text():
    return "hi"
