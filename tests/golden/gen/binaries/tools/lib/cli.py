from libs.fmt import fmt


def run():
    print(fmt.bold("cli"))
