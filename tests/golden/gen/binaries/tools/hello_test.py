import unittest

from libs.greet.greet import hello


class T(unittest.TestCase):
    def test(self):
        self.assertEqual(hello("x"), "*hello x*")
