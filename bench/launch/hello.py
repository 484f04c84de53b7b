"""The hello benchmark app: one module, one line of output."""

if __name__ == "__main__":
    print("hello")
