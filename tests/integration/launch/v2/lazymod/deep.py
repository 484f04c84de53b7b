from lazymod import BUILD

DEEP = "deep-" + BUILD + "-other"
