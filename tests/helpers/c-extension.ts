// A tiny real C extension module `_speed` (triple(n) = 3 * n), compiled with gcc by the tests
// of first-party native code and of multi-build wheels.
export const C_SOURCE = `#include <Python.h>
static PyObject *triple(PyObject *self, PyObject *arg) {
  long v = PyLong_AsLong(arg);
  if (v == -1 && PyErr_Occurred()) return NULL;
  return PyLong_FromLong(3 * v);
}
static PyMethodDef methods[] = {{"triple", triple, METH_O, "3 * n"}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef mod = {PyModuleDef_HEAD_INIT, "_speed", NULL, -1, methods};
PyMODINIT_FUNC PyInit__speed(void) { return PyModule_Create(&mod); }
`;
