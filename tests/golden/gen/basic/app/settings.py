try:
    import lib.util.fast as impl
except ImportError:
    impl = None
