"""unittest tests of tokens, run by `bazel test //examples/monorepo/libs/words:tokens_test`."""

import unittest

from examples.monorepo.libs.words import tokens


class WordsTest(unittest.TestCase):
    def test_lower_cases_and_keeps_apostrophes(self):
        self.assertEqual(tokens.words("Don't PANIC"), ["don't", "panic"])

    def test_letters_of_any_script(self):
        self.assertEqual(tokens.words("Ελλάδα 2024 café"), ["ελλάδα", "café"])


class MostCommonTest(unittest.TestCase):
    def test_ties_keep_first_appearance(self):
        self.assertEqual(tokens.most_common("b a b a c", 2), [("b", 2), ("a", 2)])
