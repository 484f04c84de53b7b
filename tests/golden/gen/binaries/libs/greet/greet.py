from libs.fmt import fmt


def hello(name):
    return fmt.bold("hello " + name)
